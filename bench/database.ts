import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { build } from '../src/app.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import { connect } from '../src/db/connection.ts'
import { startEmbedded } from '../src/db/embedded.ts'
import { prepareDatabase } from '../src/db/prepare.ts'
import { november2019, SUBSTITUTES_ACCEPTED } from '../test/fixtures.ts'

export interface BenchDatabase {
  url: string
  serverVersion: string
  drop(): Promise<void>
}

/**
 * A new database for one run: on BENCH_DATABASE_URL's server when set, otherwise on a throw-away embedded PostgreSQL.
 */
export async function freshDatabase(): Promise<BenchDatabase> {
  let serverUrl = process.env.BENCH_DATABASE_URL
  let stopServer = async () => {}
  if (!serverUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), 'joint-financing-bench-'))
    await chmod(dataDir, 0o755) // the embedded server may run as the `postgres` user
    const server = await startEmbedded(dataDir)
    serverUrl = server.url
    stopServer = async () => {
      await server.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
  const name = `bench_${randomBytes(6).toString('hex')}`
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      return await client.query(statement)
    } finally {
      await client.end()
    }
  }
  await admin(`CREATE DATABASE ${name}`)
  const serverVersion = (await admin('SHOW server_version')).rows[0].server_version as string
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    serverVersion,
    drop: async () => {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await stopServer()
    }
  }
}

export type BenchKeys = Record<'read' | 'registrar' | 'finance' | 'admin', string>

/**
 * What users find in a working year, recorded through the API as they would: the 290 municipalities and both
 * recommendation periods (reference data), a decision from every municipality on 18/00295 (260 adopt, 30 decline),
 * 2020 invoiced (cost shares), Senior alert's payee, its 2020 allocation and three payouts.
 */
export async function seed(url: string): Promise<{ periodId: number; keys: BenchKeys; codes: string[] }> {
  const db = connect(url)
  await prepareDatabase(db)
  const keys: BenchKeys = {
    read: await apiKeys.create(db, 'bench-bi-tool', ['read']),
    registrar: await apiKeys.create(db, 'bench-registrar', ['decisions:write']),
    finance: await apiKeys.create(db, 'bench-finance', ['read', 'finance:write']),
    admin: await apiKeys.create(db, 'bench-admin', ['admin'])
  }
  const { admin } = keys
  const app = await build({ db })
  const call = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    token: string,
    payload?: object,
    headers: Record<string, string> = {}
  ) => {
    const response = await app.inject({
      method,
      url,
      payload,
      headers: { authorization: `Bearer ${token}`, ...headers }
    })
    if (response.statusCode >= 300)
      throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`)
    return response
  }
  try {
    const periodId = (await call('GET', '/v1/recommendation-periods?case_number=18/00295', keys.read)).json().items[0]
      .id as number
    await call('POST', '/v1/population-figures', admin, [
      { municipality_code: '0138', reference_date: '2018-11-30', population: 48009 }
    ])
    const picture = await november2019(db)
    const silentDecline = picture.silent.map(code => ({ ...picture.decisions.at(-1)!, municipality_code: code }))
    await call('POST', '/v1/decision-imports', keys.registrar, [...picture.decisions, ...silentDecline])
    await call(
      'POST',
      `/v1/recommendation-periods/${periodId}/invoiced-years`,
      keys.finance,
      { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED },
      { 'idempotency-key': 'bench-invoice-2020' }
    )
    const register = await call('GET', '/v1/quality-registers/senior-alert', keys.read)
    await call(
      'PUT',
      '/v1/quality-registers/senior-alert',
      admin,
      {
        name: register.json().name,
        short_name: register.json().short_name,
        payee: {
          name: 'Region Jönköpings län',
          organisation_number: '232100-0057',
          bankgiro: '5050-1055',
          plusgiro: null
        }
      },
      { 'if-match': register.headers.etag as string }
    )
    await call('POST', `/v1/recommendation-periods/${periodId}/register-allocations`, keys.finance, {
      year: 2020,
      basis: 'fixed_amount',
      scaled_to_collected: false,
      registers: [{ register_code: 'senior-alert', amount: '300000.00' }]
    })
    for (const half of [1, 2, 3]) {
      await call(
        'POST',
        '/v1/register-payouts',
        keys.finance,
        { period_id: periodId, year: 2020, register_code: 'senior-alert', amount: '100000.00' },
        { 'idempotency-key': `bench-payout-${half}` }
      )
    }
    return { periodId, keys, codes: picture.codes }
  } finally {
    await app.close()
    await db.destroy()
  }
}
