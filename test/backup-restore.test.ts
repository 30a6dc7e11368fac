import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import t from 'tap'
import { build } from '../src/app.ts'
import { validateEveryResponse } from './contract.ts'
import type { Db } from '../src/db/connection.ts'
import { importNovember2019, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { emptyDatabase, testApp } from './helpers.ts'

// The README's backup and restore procedure, carried out: pg_dump of a database the API has written to,
// pg_restore into a new one, and the two compared table by table and through the service.
const run = promisify(execFile)
const PG_DUMP = '/usr/bin/pg_dump'
const PG_RESTORE = '/usr/bin/pg_restore'

const context = await testApp(t)
const { app, db, url, bearer } = context
const serverMajor = Number(
  (await sql<{ v: string }>`SELECT current_setting('server_version_num') AS v`.execute(db)).rows[0]!.v.slice(0, -4)
)
const toolMajor = existsSync(PG_DUMP) ? Number(/(\d+)\./.exec((await run(PG_DUMP, ['--version'])).stdout)?.[1]) : 0
// pg_dump refuses a server newer than itself: the suite's embedded PostgreSQL (18) is newer than Debian's
// client (15), so this runs in CI's second pass, against the PostgreSQL 15 server, and is skipped in the first.
const cannot =
  toolMajor === 0
    ? `no ${PG_DUMP} (apt-get install postgresql-client)`
    : toolMajor < serverMajor
      ? `pg_dump ${toolMajor} cannot dump PostgreSQL ${serverMajor}`
      : false

/** Every table's row count and a checksum of its rows in a fixed order. */
async function fingerprint(database: Db) {
  const tables = (
    await sql<{
      name: string
    }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`.execute(database)
  ).rows.map(r => r.name)
  const rows = await Promise.all(
    tables.map(async table => {
      const {
        rows: [row]
      } = await sql<{
        n: number
        digest: string | null
      }>`SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${sql.table(table)} t`.execute(
        database
      )
      return [table, `${row!.n} rows, ${row!.digest}`] as const
    })
  )
  return Object.fromEntries(rows)
}

t.test(
  'a pg_dump restored with pg_restore into a new database holds the same data, answers the same and keeps its guards',
  { skip: cannot },
  async t => {
    await importNovember2019(context)
    const period = (
      await app.inject({ url: '/v1/recommendation-periods?case_number=18/00295', headers: bearer('read') })
    ).json().items[0]
    const invoiced = await app.inject({
      method: 'POST',
      url: `/v1/recommendation-periods/${period.id}/invoiced-years`,
      headers: bearer('finance:write'),
      payload: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
    })
    t.equal(invoiced.statusCode, 201)

    const dir = await mkdtemp(join(tmpdir(), 'backup-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'joint-financing.dump')
    await run(PG_DUMP, ['--format=custom', `--file=${file}`, url])
    const restored = await emptyDatabase(t)
    await run(PG_RESTORE, ['--no-owner', '--exit-on-error', `--dbname=${restored.url}`, file])

    const before = await fingerprint(db)
    t.same(await fingerprint(restored.db), before, 'every table: the same rows')
    t.ok(
      Number(before.decisions!.split(' ')[0]) >= 281 && Number(before.invoices!.split(' ')[0]) === 260,
      `${before.decisions} in decisions, ${before.invoices} in invoices`
    )

    const restoredApp = await build({ db: restored.db })
    validateEveryResponse(restoredApp)
    t.teardown(() => restoredApp.close())
    const shares = `/v1/recommendation-periods/${period.id}/cost-shares/2020?as_of=2020-12-31`
    const [original, copy] = await Promise.all(
      [app, restoredApp].map(service => service.inject({ url: shares, headers: bearer('read') }))
    )
    t.equal(copy!.statusCode, 200, 'the keys were restored too')
    t.equal(copy!.body, original!.body, 'the service answers the same from the restored database')
    await t.rejects(
      sql`DELETE FROM decisions`.execute(restored.db),
      /append-only/,
      'the append-only guard came back with the data'
    )
  }
)
