import t from 'tap'
import { testApp } from './helpers.ts'

const { app, bearer } = await testApp(t)
const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer('read') })
const put = (code: string, payload: object, ifMatch?: string) =>
  app.inject({
    method: 'PUT',
    url: `/v1/quality-registers/${code}`,
    headers: { ...bearer('admin'), ...(ifMatch !== undefined && { 'if-match': ifMatch }) },
    payload
  })

t.test(
  'seed 000: the five registers the recommendation pays ship as reference data, without payee details',
  async t => {
    const response = await get('/v1/quality-registers')
    t.equal(response.statusCode, 200)
    t.same(
      response
        .json()
        .items.map((r: { code: string; name: string; short_name: string }) => [r.code, r.short_name, r.name]),
      [
        ['bpsd', 'BPSD', 'Beteendemässiga och Psykiska Symtom vid Demens'],
        ['rikssar', 'Rikssår', 'Rikssår'],
        ['senior-alert', 'Senior alert', 'Senior alert'],
        ['svedem', 'SveDem', 'SveDem'],
        ['svenska-palliativregistret', 'Svenska Palliativregistret', 'Svenska Palliativregistret']
      ]
    )
    t.match(response.json().items[0], { organisation: null, payee: null, version: 1 })
  }
)

t.test(
  'an admin records payee details with the ETag read; without it, or with an old one, nothing changes',
  async t => {
    const read = await get('/v1/quality-registers/senior-alert')
    const etag = read.headers.etag as string
    t.equal(etag, '"register-senior-alert-v1"')
    const details = {
      name: 'Senior alert',
      short_name: 'Senior alert',
      organisation: 'Region Jönköpings län',
      payee: {
        name: 'Region Jönköpings län',
        organisation_number: '232100-0057',
        bankgiro: '5050-1055',
        plusgiro: null
      }
    }

    t.equal((await put('senior-alert', details)).statusCode, 428, 'an update needs If-Match')
    t.equal(
      (await put('senior-alert', details, '"register-senior-alert-v9"')).statusCode,
      412,
      'an old version is refused'
    )
    const updated = await put('senior-alert', details, etag)
    t.equal(updated.statusCode, 200, updated.body)
    t.match(updated.json(), {
      code: 'senior-alert',
      version: 2,
      organisation: 'Region Jönköpings län',
      payee: details.payee
    })
    t.equal(updated.headers.etag, '"register-senior-alert-v2"')
    t.equal((await put('senior-alert', details, etag)).statusCode, 412, 'the tag read before the update is stale now')
  }
)

t.test('a payee needs an account, and short names stay unique: problems, never a half-written register', async t => {
  const noAccount = await put('new-register', {
    name: 'Nytt register',
    short_name: 'Nytt',
    payee: { name: 'Region X', organisation_number: '232100-0000', bankgiro: null, plusgiro: null }
  })
  t.equal(noAccount.statusCode, 422)
  t.same(noAccount.json().errors, [{ pointer: '/payee', detail: 'needs a bankgiro or a plusgiro number' }])
  const badFields = await put('new-register', {
    name: '',
    short_name: 'Nytt',
    payee: { name: 'Region X', organisation_number: '2321000000', bankgiro: '12' }
  })
  t.equal(badFields.statusCode, 400)
  t.same(
    badFields
      .json()
      .errors.map((e: { pointer: string }) => e.pointer)
      .sort(),
    ['/name', '/payee/bankgiro', '/payee/organisation_number', '/payee/plusgiro'],
    'every problem at once'
  )
  t.equal((await put('new-register', { name: 'Nytt register', short_name: 'BPSD' })).statusCode, 409)
  t.equal((await get('/v1/quality-registers/new-register')).statusCode, 404, 'nothing was written')
})

t.test(
  'a new register is created under its code with 201 and Location; If-Match on a register that does not exist is a 412',
  async t => {
    t.equal(
      (
        await put(
          'kvalitetsregister-x',
          { name: 'Kvalitetsregister X', short_name: 'KX' },
          '"register-kvalitetsregister-x-v1"'
        )
      ).statusCode,
      412
    )
    const created = await put('kvalitetsregister-x', { name: 'Kvalitetsregister X', short_name: 'KX' })
    t.equal(created.statusCode, 201, created.body)
    t.equal(created.headers.location, '/v1/quality-registers/kvalitetsregister-x')
    t.match(created.json(), { code: 'kvalitetsregister-x', version: 1, payee: null, organisation: null })
    t.equal((await put('Not_A_Code', { name: 'X', short_name: 'X' })).statusCode, 400)
    t.equal(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/quality-registers/x-y',
          headers: bearer('finance:write'),
          payload: { name: 'X', short_name: 'XY' }
        })
      ).statusCode,
      403,
      'admins only'
    )
  }
)
