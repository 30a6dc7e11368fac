import t from 'tap'
import { paidBeforeInvoiced } from '../src/domain/invoicing.ts'

t.test('rule: an invoice cannot be paid before the day it is dated, but may be paid that day', async t => {
  t.equal(paidBeforeInvoiced('2020-02-14', '2020-02-15'), true)
  t.equal(paidBeforeInvoiced('2020-02-15', '2020-02-15'), false)
  t.equal(paidBeforeInvoiced('2021-01-01', '2020-12-31'), false, 'dates compare as dates across years')
})
