import { sql } from 'kysely'
import t from 'tap'
import { connect } from '../src/db/connection.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { loadReferenceData } from '../src/db/reference-data.ts'
import { emptyDatabase } from './helpers.ts'

const tables = async (db: Parameters<typeof migrateToLatest>[0]) =>
  (
    await sql<{
      tablename: string
    }>`select tablename from pg_tables where schemaname = 'public' order by tablename`.execute(db)
  ).rows.map(r => r.tablename)

t.test('migrations build the schema from an empty database, and a second run applies nothing', async t => {
  const { db } = await emptyDatabase(t)
  t.same(await tables(db), [])
  t.same(await migrateToLatest(db), [
    '0001_reference_data_and_api_keys',
    '0002_recommendation_periods_and_decisions',
    '0003_cost_shares_invoicing_and_allocations',
    '0004_quality_registers_and_payouts',
    '0005_audit_events',
    '0006_idempotency_per_client',
    '0007_data_version',
    '0008_latest_decisions',
    '0009_population_basis_and_membership_fee',
    '0010_events_and_webhooks',
    '0011_settlements_and_organisation_numbers',
    '0012_write_path_functions',
    '0013_reference_data_version',
    '0014_periods_in_reference_data_version',
    '0015_decision_contexts_together',
    '0016_record_writes_together'
  ])
  t.same(await tables(db), [
    'adjustment_payments',
    'adjustments',
    'api_keys',
    'audit_events',
    'cost_allocation_areas',
    'cost_allocations',
    'cost_weights',
    'counties',
    'decision_withdrawals',
    'decisions',
    'events',
    'idempotency_keys',
    'invoice_payments',
    'invoiced_years',
    'invoices',
    'kysely_migration',
    'kysely_migration_lock',
    'latest_decisions',
    'municipalities',
    'population_figures',
    'quality_registers',
    'recommendation_period_budget_lines',
    'recommendation_period_years',
    'recommendation_periods',
    'reference_data_version',
    'register_allocation_plans',
    'register_allocations',
    'register_payout_events',
    'register_payouts',
    'settlements',
    'webhook_deliveries',
    'webhook_endpoints'
  ])
  t.same(await migrateToLatest(db), [])
})

t.test('instances starting at once apply each migration exactly once', async t => {
  const { db, url } = await emptyDatabase(t)
  const instances = Array.from({ length: 4 }, () => connect(url, { max: 2 }))
  t.teardown(() => Promise.all(instances.map(i => i.destroy())))
  const applied = await Promise.all(instances.map(i => migrateToLatest(i)))
  t.same(
    applied.flat(),
    [
      '0001_reference_data_and_api_keys',
      '0002_recommendation_periods_and_decisions',
      '0003_cost_shares_invoicing_and_allocations',
      '0004_quality_registers_and_payouts',
      '0005_audit_events',
      '0006_idempotency_per_client',
      '0007_data_version',
      '0008_latest_decisions',
      '0009_population_basis_and_membership_fee',
      '0010_events_and_webhooks',
      '0011_settlements_and_organisation_numbers',
      '0012_write_path_functions',
      '0013_reference_data_version',
      '0014_periods_in_reference_data_version',
      '0015_decision_contexts_together',
      '0016_record_writes_together'
    ],
    'one instance applied it, the others found it done'
  )
  const rows = await db
    .selectFrom('kysely_migration' as never)
    .selectAll()
    .execute()
  t.equal(rows.length, 16)
})

t.test(
  'reference data loads 21 counties, 290 municipalities and 2,031 figures, and loading again changes nothing',
  async t => {
    const { db } = await emptyDatabase(t)
    await migrateToLatest(db)
    t.same(await loadReferenceData(db), {
      counties: 21,
      municipalities: 290,
      populationFigures: 2031,
      recommendationPeriods: 2,
      qualityRegisters: 5
    })
    const snapshot = () =>
      sql<{ digest: string }>`
    select md5(string_agg(municipality_code || reference_date || population || updated_at, ',' order by municipality_code, reference_date)) as digest
    from population_figures`
        .execute(db)
        .then(r => r.rows[0]?.digest)
    const before = await snapshot()
    t.same(await loadReferenceData(db), {
      counties: 0,
      municipalities: 0,
      populationFigures: 0,
      recommendationPeriods: 0,
      qualityRegisters: 0
    })
    t.equal(await snapshot(), before)
  }
)

t.test('reloading reference data never undoes a correction', async t => {
  const { db } = await emptyDatabase(t)
  await migrateToLatest(db)
  await loadReferenceData(db)
  await db
    .updateTable('population_figures')
    .set({ population: 48010 })
    .where('municipality_code', '=', '0138')
    .where('reference_date', '=', '2018-12-31')
    .execute()
  await loadReferenceData(db)
  const row = await db
    .selectFrom('population_figures')
    .select('population')
    .where('municipality_code', '=', '0138')
    .where('reference_date', '=', '2018-12-31')
    .executeTakeFirstOrThrow()
  t.equal(row.population, 48010)
})

t.test("the reference data reproduces SCB's national totals", async t => {
  const { db } = await emptyDatabase(t)
  await migrateToLatest(db)
  await loadReferenceData(db)
  const totals = await db
    .selectFrom('population_figures')
    .select(['reference_date', eb => eb.fn.sum<string>('population').as('total')])
    .where(sql<boolean>`extract(month from reference_date) = 12`)
    .groupBy('reference_date')
    .orderBy('reference_date')
    .execute()
  t.same(
    totals.map(r => [r.reference_date, Number(r.total)]),
    [
      ['2014-12-31', 9747355],
      ['2015-12-31', 9851017],
      ['2016-12-31', 9995153],
      ['2017-12-31', 10120242],
      ['2018-12-31', 10230185],
      ['2019-12-31', 10327589],
      ['2024-12-31', 10587710]
    ]
  )
  // The one 30 November figure in the sources is Tyresö's (seed 002): never a year-end figure relabelled.
  t.same(
    await db
      .selectFrom('population_figures')
      .select(['municipality_code', 'reference_date', 'population'])
      .where(sql<boolean>`extract(month from reference_date) <> 12`)
      .execute(),
    [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48009 }]
  )
})

t.test('the schema refuses codes that are not SCB-shaped and negative populations', async t => {
  const { db } = await emptyDatabase(t)
  await migrateToLatest(db)
  await loadReferenceData(db)
  await t.rejects(db.insertInto('municipalities').values({ code: '138', name: 'X', county_code: '01' }).execute(), {
    code: '23514'
  })
  await t.rejects(
    db.insertInto('municipalities').values({ code: '0299', name: 'X', county_code: '01' }).execute(),
    { code: '23514' },
    'code must start with its county'
  )
  await t.rejects(
    db
      .insertInto('population_figures')
      .values({ municipality_code: '0138', reference_date: '2030-01-01', population: -1, updated_by_api_key_id: null })
      .execute(),
    { code: '23514' }
  )
})
