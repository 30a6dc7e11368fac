import t from 'tap'
import Type from 'typebox'
import { deprecated } from '../src/plugins/deprecation.ts'
import { release } from '../src/release.ts'
import { injectOutsideTheContract } from './contract.ts'
import { testApp } from './helpers.ts'

const { app, bearer } = await testApp(t)
// Nothing is deprecated today: a throwaway operation retired the way a real one would be.
app.get(
  '/v1/test-retired',
  {
    schema: {
      ...deprecated({ since: '2027-01-01', sunset: '2027-07-01', successor: '/v1/counties' }),
      operationId: 'getRetired',
      summary: 'A retired operation',
      response: { 200: Type.Object({ ok: Type.Boolean() }) }
    }
  },
  async () => ({ ok: true })
)

t.test('every answer names the contract version: success, problem, 304 and probe alike', async t => {
  const ok = await app.inject({ url: '/v1/counties', headers: bearer('read') })
  const answers = [
    ok,
    await app.inject({
      url: '/v1/counties',
      headers: { ...bearer('read'), 'if-none-match': ok.headers.etag as string }
    }),
    await app.inject({ url: '/v1/counties' }),
    await injectOutsideTheContract(app, { url: '/v1/no-such-thing' }),
    await app.inject({ url: '/health/live' })
  ]
  t.same(
    answers.map(a => a.statusCode),
    [200, 304, 401, 404, 200]
  )
  for (const answer of answers) t.equal(answer.headers['api-version'], release.version)
  t.match(release.version, /^\d+\.\d+\.\d+$/)
})

t.test('a deprecated operation says since when and until when, in its answers and in the contract', async t => {
  const answer = await injectOutsideTheContract(app, { url: '/v1/test-retired' })
  t.equal(answer.headers.deprecation, `@${Date.UTC(2027, 0, 1) / 1000}`)
  t.equal(answer.headers.sunset, 'Thu, 01 Jul 2027 00:00:00 GMT')
  t.equal(answer.headers.link, '</v1/counties>; rel="successor-version"')
  const operation = (app.swagger() as any).paths['/v1/test-retired'].get
  t.match(operation, { deprecated: true, 'x-deprecated-since': '2027-01-01', 'x-sunset': '2027-07-01' })
  t.ok(
    operation.responses['200'].headers.Deprecation && operation.responses['200'].headers.Sunset,
    'the headers are documented'
  )
  t.equal(
    (await app.inject({ url: '/v1/counties', headers: bearer('read') })).headers.deprecation,
    undefined,
    'others are not deprecated'
  )
})
