import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { build, type BuildOptions } from '../src/app.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import type { Change } from '../src/db/changes.ts'
import { connect, type Db } from '../src/db/connection.ts'
import { prepareDatabase } from '../src/db/prepare.ts'
import { validateEveryResponse } from './contract.ts'

interface Teardown {
  teardown(fn: () => unknown): void
}

const serverUrl = () => {
  const url = process.env.TEST_DATABASE_URL
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the suite with `npm test`.')
  return url
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** A new, empty database on the test server, dropped when the test ends. */
export async function emptyDatabase(t: Teardown): Promise<{ db: Db; url: string }> {
  const name = `test_${randomBytes(6).toString('hex')}`
  await admin(client => client.query(`CREATE DATABASE ${name}`))
  const url = new URL(serverUrl())
  url.pathname = `/${name}`
  const db = connect(url.toString(), { max: 20 })
  t.teardown(async () => {
    await db.destroy()
    await admin(client => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  })
  return { db, url: url.toString() }
}

/** A database at the current schema with the reference data loaded. */
export async function preparedDatabase(t: Teardown) {
  const database = await emptyDatabase(t)
  await prepareDatabase(database.db)
  return database
}

export type TestKeys = Record<apiKeys.Scope, string>

/** The service over its own prepared database, with one API key per scope. */
export async function testApp(t: Teardown, options: Omit<BuildOptions, 'db'> = {}) {
  const { db, url } = await preparedDatabase(t)
  const keys = Object.fromEntries(
    await Promise.all(
      apiKeys.SCOPES.map(async scope => [scope, await apiKeys.create(db, scope.replace(':', '-'), [scope])])
    )
  ) as TestKeys
  const app = await build({ db, ...options })
  validateEveryResponse(app)
  t.teardown(() => app.close())
  const bearer = (scope: apiKeys.Scope) => ({ authorization: `Bearer ${keys[scope]}` })
  return { app, db, url, keys, bearer }
}

/**
 * Resolves once the service hears of a change of this kind (or of a lost connection, which drops everything), a few
 * milliseconds after the change commits: for a test that changes the database behind the service's back, as the CLI
 * or manual SQL does. Ask before making the change.
 */
export function heard(app: { changes: { subscribe(subscriber: (change: Change) => void): () => void } }, kind: Change) {
  return new Promise<void>(resolve => {
    const stop = app.changes.subscribe(change => {
      if (change !== kind && change !== 'all') return
      stop()
      resolve()
    })
  })
}
