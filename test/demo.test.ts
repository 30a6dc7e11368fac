import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import {
  DEMO_SCOPES,
  demoHistory,
  INTO_DATABASE_URL,
  PUBLISHED,
  recordDemo,
  SUBSTITUTE_POPULATION_ACCEPTANCE,
  SYNTHETIC_MARKER
} from '../src/cli/demo.ts'
import { testApp } from './helpers.ts'

// `npm run demo`'s history, recorded through the API on this file's own database (every answer checked against the
// contract by testApp), then read back as a newcomer would: it must reproduce every count SKR published.
const { app, db, url, bearer } = await testApp(t)
const token = await apiKeys.create(db, 'demo-test', DEMO_SCOPES)
const summary = await recordDemo(app, token)
const base = `/v1/recommendation-periods/${summary.period_id}`
const get = async (path: string) => {
  const response = await app.inject({ method: 'GET', url: path, headers: bearer('read') })
  if (response.statusCode !== 200) throw new Error(`GET ${path} answered ${response.statusCode}: ${response.body}`)
  return response.json()
}

t.test('as of 1 July 2019: 232 adopted (80.0 %), 17 declined (5.9 %), 41 no answer', async t => {
  t.match((await get(`${base}/uptake?as_of=2019-07-01`)).municipalities, {
    total: 290,
    adopted: 232,
    declined: 17,
    no_answer: 41,
    adopted_percent: 80,
    declined_percent: 5.9
  })
})

t.test('as of 27 November 2019: exactly 260 adopted, 21 declined, 9 no answer', async t => {
  t.same((await get(`${base}/uptake?as_of=2019-11-27`)).municipalities, {
    total: 290,
    adopted: 260,
    declined: 21,
    no_answer: 9,
    adopted_percent: 89.7,
    declined_percent: 7.2,
    no_answer_percent: 3.1
  })
})

t.test('280 take part in 2020 and were invoiced; 285 in 2021; 288 of 290 by January 2022', async t => {
  const participation = await get(`${base}/participation?as_of=${PUBLISHED.january2022}`)
  t.same(
    participation.years.map((y: { year: number; participant_count: number }) => [y.year, y.participant_count]),
    [
      [2020, 280],
      [2021, 285],
      [2022, 288],
      [2023, 288]
    ]
  )
  t.match(await get(`${base}/invoiced-years/2020`), {
    year: 2020,
    invoice_date: '2020-02-14',
    invoice_count: 280,
    substitute_population: SUBSTITUTE_POPULATION_ACCEPTANCE
  })
  t.match(
    (await get(`${base}/invoiced-years/2020`)).substitute_population.decided_by,
    SYNTHETIC_MARKER,
    "finance's recorded acceptance is marked synthetic too"
  )
  t.equal((await get(`/v1/invoices?period_id=${summary.period_id}&year=2020&limit=1`)).total_items, 280)
  t.equal(summary.invoiced_2020.invoice_count, 280)
  const timeline = await get(`${base}/uptake/timeline?as_of=${PUBLISHED.january2022}`)
  t.match(timeline.points.at(-1), { adopted: 288, declined: 1, no_answer: 1 })
})

t.test('every decision recorded says it is synthetic; Tyresö adopted in spring 2019 with its case number', async t => {
  const decisions = await get(`/v1/decisions?period_id=${summary.period_id}&limit=500`)
  t.equal(decisions.total_items, summary.decisions)
  t.equal(decisions.total_items, 309)
  const unmarked = decisions.items.filter((d: { decided_by: string }) => !d.decided_by.includes(SYNTHETIC_MARKER))
  t.same(unmarked, [])
  t.match(
    decisions.items.filter((d: { municipality_code: string }) => d.municipality_code === '0138'),
    [{ outcome: 'adopted', received_on: '2019-05-02', municipal_case_number: '2019/ÄON 0042', first_year: 2020 }]
  )
})

t.test('the assignment is deterministic: the same codes give the same history', async t => {
  const codes = (await db.selectFrom('municipalities').select('code').execute()).map(m => m.code)
  t.same(demoHistory([...codes].reverse()), demoHistory(codes))
})

t.test('a second run is refused and records nothing; the command exits 2 and revokes its key', async t => {
  await t.rejects(recordDemo(app, token), { name: 'DemoRefused', message: /fresh database/ })
  t.equal((await get(`/v1/decisions?period_id=${summary.period_id}&limit=1`)).total_items, 309)
  const demo = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(import.meta.dirname, '../src/cli/demo.ts'), ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: url }
    }).catch((error: { code: number; stdout: string; stderr: string }) => error)
  const unasked = await demo()
  t.equal((unasked as { code?: number }).code, 2, 'a DATABASE_URL is written into only when the command says so')
  t.match(unasked.stderr, /DATABASE_URL is set.*--into-database-url/)
  const refused = await demo(INTO_DATABASE_URL)
  t.equal((refused as { code?: number }).code, 2)
  t.match(refused.stderr, /has 309 decision\(s\) already; .*fresh database/)
  const demoKeys = await db
    .selectFrom('api_keys')
    .select('name')
    .where('name', 'like', 'demo-2%')
    .where('revoked_at', 'is', null)
    .execute()
  t.same(demoKeys, [], "the command's own key is revoked")
})
