import { sql } from 'kysely'
import t from 'tap'
import { connect } from '../src/db/connection.ts'
import * as periods from '../src/queries/recommendation-periods.ts'
import { participationAsOf, reportFor } from '../src/reports/participation.ts'
import { inOneSnapshot, type Memo } from '../src/reports/read.ts'
import { periodIdOf } from './fixtures.ts'
import { testApp } from './helpers.ts'

// Issue 20: reports keep what they read of the reference data (municipalities and their populations, and the period)
// per version of it (migrations/0013, 0014), since it costs most of a report's SQL and changes far less often than
// decisions do. A kept copy must be used only for exactly the reference data the report's own snapshot sees.
const { app, db, url, bearer } = await testApp(t)
const periodId = await periodIdOf(db, '18/00295')
const version = async () =>
  (await sql<{ version: string }>`SELECT version::text FROM reference_data_version`.execute(db)).rows[0]!.version
const populationOf = (municipalities: ReadonlyArray<{ code: string; population: number | null }>, code: string) =>
  municipalities.find(m => m.code === code)!.population

t.test('every statement that changes reference data or a period gives it a new version; decisions do not', async t => {
  const changes = [
    sql`UPDATE population_figures SET population = population + 1 WHERE municipality_code = '0114'`,
    sql`UPDATE population_figures SET population = population - 1 WHERE municipality_code = '0114'`,
    sql`UPDATE municipalities SET name = name WHERE code = '0114'`,
    sql`UPDATE counties SET name = name WHERE code = '01'`,
    sql`INSERT INTO population_figures (municipality_code, reference_date, population) VALUES ('0114', '1990-12-31', 1)`,
    sql`DELETE FROM population_figures WHERE municipality_code = '0114' AND reference_date = '1990-12-31'`,
    sql`UPDATE recommendation_periods SET notes = notes WHERE id = ${periodId}`,
    sql`UPDATE recommendation_period_years SET index_adjustment = index_adjustment WHERE period_id = ${periodId}`,
    sql`UPDATE recommendation_period_budget_lines SET description = description WHERE period_id = ${periodId}`
  ]
  const seen = new Set([await version()])
  for (const change of changes) {
    await change.execute(db)
    seen.add(await version())
  }
  t.equal(seen.size, changes.length + 1, 'a new version after each of them, none seen before')
  const before = await version()
  const decided = await app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: bearer('decisions:write'),
    payload: {
      municipality_code: '0114',
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2019-05-02',
      decided_by: 'Kommunfullmäktige',
      received_on: '2019-05-02'
    }
  })
  t.equal(decided.statusCode, 201)
  t.equal(await version(), before, 'a decision leaves it as it was')
})

t.test('a reference change by hand is read at the next report, in a third statement', async t => {
  const statements: string[] = []
  const counted = connect(url, { log: event => void statements.push(event.query.sql) })
  t.teardown(() => counted.destroy())
  const period = await periods.findOrFail(counted, periodId)
  const report = () => inOneSnapshot(counted, trx => participationAsOf(trx, period, '2019-12-31'))
  const before = populationOf((await report()).municipalities, '0114')
  statements.length = 0
  await report()
  t.equal(statements.length - 2, 1, 'kept: the decisions alone (between the begin and the commit)')
  await sql`UPDATE population_figures SET population = population + 1000 WHERE municipality_code = '0114'`.execute(db)
  statements.length = 0
  const after = populationOf((await report()).municipalities, '0114')
  t.equal(statements.length - 2, 2, 'the decisions, then the municipalities of the new version')
  t.equal(after, before! + 1000, 'the corrected population')
})

t.test('a reference change between the two reads of a write transaction makes both read again', async t => {
  // A write's transaction is READ COMMITTED: each statement sees the latest commits, so a change committed between
  // the decisions (and the version they came with) and the municipalities would mix two states.
  let decisionsRead = 0
  let changeBetween = false
  const counted = connect(url, {
    log: async event => {
      if (!event.query.sql.includes('latest_decisions')) return
      decisionsRead++
      if (!changeBetween) return
      changeBetween = false
      await sql`UPDATE population_figures SET population = population + 7 WHERE municipality_code = '0114'`.execute(db)
    }
  })
  t.teardown(() => counted.destroy())
  const period = await periods.findOrFail(counted, periodId)
  const before = populationOf((await participationAsOf(counted, period, '2019-12-30')).municipalities, '0114')
  // A version no copy is kept of yet, so that the municipalities are read after the decisions.
  await sql`UPDATE population_figures SET population = population + 1 WHERE municipality_code = '0114'`.execute(db)
  decisionsRead = 0
  changeBetween = true
  const { municipalities } = await counted.transaction().execute(trx => participationAsOf(trx, period, '2019-12-31'))
  t.equal(decisionsRead, 2, 'the decisions were read again, with the new version')
  t.equal(populationOf(municipalities, '0114'), before! + 1 + 7, 'the municipalities of the version the decisions saw')
})

t.test("in a report's snapshot, a change committed meanwhile is not seen, and nothing is read twice", async t => {
  let decisionsRead = 0
  const counted = connect(url, {
    log: async event => {
      if (!event.query.sql.includes('latest_decisions')) return
      decisionsRead++
      await sql`UPDATE population_figures SET population = population + 3 WHERE municipality_code = '0114'`.execute(db)
    }
  })
  t.teardown(() => counted.destroy())
  const period = await periods.findOrFail(db, periodId)
  const before = populationOf((await participationAsOf(db, period, '2019-12-28')).municipalities, '0114')
  const { municipalities } = await inOneSnapshot(counted, trx => participationAsOf(trx, period, '2019-12-29'))
  t.equal(decisionsRead, 1)
  t.equal(populationOf(municipalities, '0114'), before, 'the population as the snapshot began')
})

t.test(
  'a report keeps its period: the next one reads the decisions alone; one changed by hand is read again',
  async t => {
    const statements: string[] = []
    const counted = connect(url, { log: event => void statements.push(event.query.sql) })
    t.teardown(() => counted.destroy())
    const compute: Memo = (_key, compute) => compute()
    const report = () => reportFor(compute, counted, { period_id: periodId, as_of: '2019-12-31' })
    await report()
    statements.length = 0
    await report()
    t.equal(statements.length, 1, 'the decisions alone, without a transaction')
    await sql`UPDATE recommendation_periods SET title = 'Rättad titel' WHERE id = ${periodId}`.execute(db)
    statements.length = 0
    const { period } = await report()
    t.equal(period.title, 'Rättad titel', 'the corrected period')
    // The period shares the reference data's version, so the kept municipalities are of the old one too.
    t.equal(
      statements.length,
      4,
      'the decisions, of a new version; its municipalities; the period; the decisions again'
    )
  }
)

t.test(
  'a period changed between its read and the decisions is read again, with the decisions: never mixed',
  async t => {
    let changeAfterPeriod = false
    let periodsRead = 0
    const counted = connect(url, {
      log: async event => {
        if (!event.query.sql.includes('"recommendation_periods"')) return
        periodsRead++
        if (!changeAfterPeriod) return
        changeAfterPeriod = false
        await sql`UPDATE recommendation_periods SET title = 'Ändrad mellan läsningarna' WHERE id = ${periodId}`.execute(
          db
        )
      }
    })
    t.teardown(() => counted.destroy())
    const compute: Memo = (_key, compute) => compute()
    // A version no period is kept of, so that the period is read first.
    await sql`UPDATE recommendation_periods SET title = 'Före' WHERE id = ${periodId}`.execute(db)
    changeAfterPeriod = true
    const { period } = await reportFor(compute, counted, { period_id: periodId, as_of: '2019-12-30' })
    t.equal(periodsRead, 2, 'read, then read again once the decisions showed a newer version')
    t.equal(period.title, 'Ändrad mellan läsningarna', "the period as the decisions' snapshot has it")
  }
)
