import t from 'tap'
import { sql } from 'kysely'
import * as periods from '../src/queries/recommendation-periods.ts'
import { decisionInForce } from '../src/domain/participation.ts'
import { participationAsOf } from '../src/reports/participation.ts'
import { testApp } from './helpers.ts'

// Rule: reports read only the decisions in force on the as-of date and on each year's last day to join (so they cost
// the same however long the history grows), and still answer exactly as from the whole history.
const { app, db, bearer } = await testApp(t)
const periodId = (
  await app.inject({ url: '/v1/recommendation-periods?case_number=18/00295', headers: bearer('read') })
).json().items[0].id
const period = await periods.findOrFail(db, periodId)
const codes = (await db.selectFrom('municipalities').select('code').orderBy('code').limit(60).execute()).map(
  m => m.code
)

/** A decision on 18/00295 decided and received on one day, and the registrar's POST of it. */
const decisionOf = (code: string, outcome: string, day: string, decidedBy = 'Kommunfullmäktige') => ({
  municipality_code: code,
  period_case_number: '18/00295',
  outcome,
  decided_on: day,
  decided_by: decidedBy,
  received_on: day
})
const record = (decision: ReturnType<typeof decisionOf>) =>
  app.inject({ method: 'POST', url: '/v1/decisions', headers: bearer('decisions:write'), payload: decision })

// A seeded history: up to five decisions per municipality from 2019 to 2022, either outcome, some withdrawn.
let seed = 20261123
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed % n
}
const day = () => new Date(Date.UTC(2019, 0, 1) + random(4 * 365) * 86_400_000).toISOString().slice(0, 10)
const rows = codes
  .flatMap(code =>
    Array.from({ length: random(6) }, () => {
      const received = day()
      return decisionOf(code, random(3) === 0 ? 'declined' : 'adopted', received)
    })
  )
  .filter(row => row.outcome === 'declined' || row.received_on <= '2022-12-31') // adoptions after the last deadline are refused
let recorded = 0
for (const row of rows) {
  const response = await record(row)
  if (response.statusCode !== 201) continue // an adoption after its year's deadline: the service refuses it, as it should
  recorded++
  if (random(5) === 0) {
    await app.inject({
      method: 'POST',
      url: `/v1/decisions/${response.json().id}/withdrawal`,
      headers: bearer('decisions:write'),
      payload: { reason: 'Recorded twice.' }
    })
  }
}

t.test('participation from the decisions in force equals participation from the whole history', async t => {
  t.ok(recorded > 100, `a history of ${recorded} decisions`)
  for (const asOf of ['2019-03-01', '2019-12-31', '2020-06-30', '2021-01-01', '2022-12-31', '2025-01-01']) {
    const probed = await participationAsOf(db, period, asOf)
    const whole = await participationAsOf(db, period, asOf, undefined, true)
    const picture = (report: typeof probed) =>
      report.municipalities.map(m => ({
        code: m.code,
        status: m.status,
        decision: m.decision?.id ?? null,
        years: m.years
      }))
    t.same(picture(probed), picture(whole), `as of ${asOf}`)
    t.ok(
      probed.decisions.length <= whole.decisions.length,
      `as of ${asOf}: ${probed.decisions.length} decisions read instead of ${whole.decisions.length}`
    )
  }
})

t.test(
  'one rule of which decision supersedes which: the SQL marks in force the decision the domain does, ties included',
  async t => {
    // Two decisions received the same day: the one recorded later supersedes.
    const tied = codes.slice(0, 10)
    for (const code of tied) {
      for (const outcome of ['declined', 'adopted']) {
        const response = await record(decisionOf(code, outcome, '2022-06-01', 'Kommunstyrelsen'))
        t.equal(response.statusCode, 201)
      }
    }
    const listed = await app.inject({ url: `/v1/decisions?period_id=${periodId}&limit=500`, headers: bearer('read') })
    const decisions = listed.json().items as Array<{
      id: number
      municipality_code: string
      received_on: string
      outcome: 'adopted' | 'declined'
      first_year: number | null
      state: string
    }>
    t.ok(decisions.length < 500, 'every decision is on the page')
    const today = new Date().toISOString().slice(0, 10)
    for (const code of codes) {
      const standing = decisions
        .filter(d => d.municipality_code === code && d.state !== 'withdrawn')
        .map(d => ({ ...d, minimum_total_commitment: null }))
      const inForce = decisionInForce(standing, today)
      t.same(
        decisions.filter(d => d.municipality_code === code && d.state === 'in_force').map(d => d.id),
        inForce === undefined ? [] : [inForce.id],
        `${code}: the list's state`
      )
      const probed = (await participationAsOf(db, period, today)).municipalities.find(m => m.code === code)
      t.equal(probed?.decision?.id, inForce?.id, `${code}: the decision reports read as in force`)
    }
    for (const code of tied) {
      const [declined, adopted] = decisions
        .filter(d => d.municipality_code === code && d.received_on === '2022-06-01')
        .slice(-2)
      t.match(
        [declined, adopted],
        [{ outcome: 'declined', state: 'superseded' }, { outcome: 'adopted' }],
        `${code}: of two received on one day, the later recorded supersedes`
      )
    }
  }
)

t.test(
  'the latest standing decisions the triggers keep equal those computed afresh, after concurrent decisions and ' +
    'withdrawals on one municipality',
  async t => {
    const code = codes[0]!
    const post = (received: string, outcome: string) => record(decisionOf(code, outcome, received))
    const posted = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`2022-0${1 + (i % 9)}-1${i % 10}`, i % 2 ? 'adopted' : 'declined'))
    )
    const ids = posted.filter(p => p.statusCode === 201).map(p => p.json().id as number)
    t.ok(ids.length >= 10, `${ids.length} recorded at once`)
    const withdrawals = await Promise.all(
      ids.slice(-8).map(id =>
        app.inject({
          method: 'POST',
          url: `/v1/decisions/${id}/withdrawal`,
          headers: bearer('decisions:write'),
          payload: { reason: 'Recorded in error.' }
        })
      )
    )
    t.same(
      withdrawals.map(w => w.statusCode),
      withdrawals.map(() => 201)
    )
    const { rows } = await sql<{ kept: number; afresh: number; differing: number }>`
      WITH afresh AS (
        SELECT DISTINCT ON (d.period_id, d.municipality_code) d.period_id, d.municipality_code, d.id AS decision_id
        FROM decisions d
        WHERE NOT EXISTS (SELECT 1 FROM decision_withdrawals w WHERE w.decision_id = d.id)
        ORDER BY d.period_id, d.municipality_code, d.received_on DESC, d.id DESC
      ),
      kept AS (SELECT period_id, municipality_code, decision_id FROM latest_decisions)
      SELECT (SELECT count(*) FROM kept)::int AS kept, (SELECT count(*) FROM afresh)::int AS afresh,
        (SELECT count(*) FROM ((TABLE kept EXCEPT TABLE afresh) UNION ALL (TABLE afresh EXCEPT TABLE kept)) x)::int
          AS differing`.execute(db)
    t.ok(rows[0]!.kept > 20, `${rows[0]!.kept} municipalities with a standing decision`)
    t.same(rows[0], { kept: rows[0]!.afresh, afresh: rows[0]!.afresh, differing: 0 })
  }
)
