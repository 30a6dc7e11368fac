import t from 'tap'
import {
  adjustmentOf,
  adjustmentReference,
  datedBeforeInvoice,
  openSettlement,
  signed
} from '../src/domain/settlements.ts'

const EXACT = 10n ** 8n // öre → ten-decimal units

t.test('rule: a smaller share is settled by a credit note, a larger one by a supplementary invoice', async t => {
  // Tyresö: invoiced 93,618 on 48,009 inhabitants; corrected to 48,109 (93,812.55 → 93,813): a debit of 195.
  t.same(adjustmentOf({ owed: 9381300n, owedExact: 9381255n * EXACT }, { amount: 9361800n, exact: 9361755n * EXACT }), {
    kind: 'supplementary_invoice',
    amount: 19500n,
    exact: 19500n * EXACT
  })
  // Withdrawn: the share is nothing, the whole invoice is credited.
  t.same(adjustmentOf({ owed: 0n, owedExact: 0n }, { amount: 9361800n, exact: 9361755n * EXACT }), {
    kind: 'credit_note',
    amount: 9361800n,
    exact: 9361755n * EXACT
  })
})

t.test('rule: equal rounded amounts need no adjustment, whatever the exact amounts say', async t => {
  t.equal(
    adjustmentOf({ owed: 9361800n, owedExact: 9361755n * EXACT }, { amount: 9361800n, exact: 9361755n * EXACT }),
    null
  )
  t.equal(
    adjustmentOf({ owed: 9361800n, owedExact: 9361790n * EXACT }, { amount: 9361800n, exact: 9361755n * EXACT }),
    null,
    '0.35 more, rounded to the same krona: no money to move'
  )
})

t.test('rule: the exact difference is given in the direction of the rounded one', async t => {
  const adjustment = adjustmentOf(
    { owed: 9361900n, owedExact: 9361850n * EXACT },
    { amount: 9361800n, exact: 9361749n * EXACT }
  )
  t.same(adjustment, { kind: 'supplementary_invoice', amount: 100n, exact: 101n * EXACT })
  // A weight split: the largest remainder raised the rounded share (9 → 10 kr) while the exact one fell.
  t.same(adjustmentOf({ owed: 1000n, owedExact: 937140000000n }, { amount: 900n, exact: 955340000000n }), {
    kind: 'supplementary_invoice',
    amount: 100n,
    exact: -18200000000n
  })
})

t.test('rule: invoice + adjustments = the share — a credit note takes away, a supplementary invoice adds', async t => {
  t.equal(signed('credit_note', 19500n), -19500n)
  t.equal(signed('supplementary_invoice', 19500n), 19500n)
})

t.test("rule: a municipality's n-th adjustment of a year is numbered after its invoice", async t => {
  t.equal(adjustmentReference('18/00295-2020-0138', 1), '18/00295-2020-0138-1')
  t.equal(adjustmentReference('18/00295-2020-0138', 12), '18/00295-2020-0138-12')
})

t.test('rule: an adjustment is not dated before the invoice it corrects, but may be dated that day', async t => {
  t.equal(datedBeforeInvoice('2020-02-14', '2020-02-15'), true)
  t.equal(datedBeforeInvoice('2020-02-15', '2020-02-15'), false)
})

t.test(
  'rule: a difference is open as a debit when more is owed, a credit when some is due back, and none at zero',
  async t => {
    t.equal(openSettlement(19_500n), 'debit')
    t.equal(openSettlement(-1n), 'credit', 'one öre due back is a credit')
    t.equal(openSettlement(0n), 'none')
  }
)
