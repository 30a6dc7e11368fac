import { parseArgs } from 'node:util'
import * as apiKeys from '../db/api-keys.ts'
import { configOrExit } from '../config.ts'
import { openDatabase } from '../db/open.ts'
import { prepareDatabase } from '../db/prepare.ts'

const USAGE = `Usage:
  npm run api-key -- create --name NAME --scope SCOPE [--scope SCOPE ...] [--municipality CODE]
  npm run api-key -- rotate NAME
  npm run api-key -- revoke NAME
Scopes: ${apiKeys.SCOPES.join(', ')}
--municipality issues the key to one municipality (e.g. 0138): it may act on that municipality's records only, and
  never on the whole country's, so it cannot have the scope admin (every admin operation is country-wide).
rotate replaces a key's token with a new one of the same scopes; the old token is refused at once. The key's
  Idempotency-Keys carry over, so retries sent with the new token are still done once.`

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`)
  process.exit(2)
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' }, scope: { type: 'string', multiple: true }, municipality: { type: 'string' } }
})
const [command, ...rest] = positionals

if (command === 'create') {
  const name = values.name ?? fail('create needs --name.')
  const scopes = values.scope ?? fail('create needs at least one --scope.')
  const unknown = scopes.filter(s => !(apiKeys.SCOPES as readonly string[]).includes(s))
  if (unknown.length > 0) fail(`Unknown scope(s): ${unknown.join(', ')}.`)
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    fail('A name is 1-64 letters, digits, dots, dashes or underscores.')
  const municipality = values.municipality ?? null
  if (municipality !== null && !/^\d{4}$/.test(municipality)) fail('A municipality code is four digits, e.g. 0138.')
  if (municipality !== null && scopes.includes('admin'))
    fail(
      'A key issued to one municipality cannot have the scope admin: every admin operation acts for the whole country.'
    )
  await withDatabase(async db => {
    const token = await apiKeys
      .create(db, name, scopes as apiKeys.Scope[], municipality)
      .catch((error: { code?: string }) => {
        if (error.code === '23505') fail(`An active key named "${name}" exists; revoke it first.`)
        if (error.code === '23503') fail(`No municipality has code ${municipality}.`)
        throw error
      })
    const issuedTo = municipality === null ? '' : ` for municipality ${municipality}`
    console.error(`Created API key "${name}"${issuedTo} with scope(s) ${scopes.join(', ')}. The token is shown once:`)
    console.log(token)
  })
} else if (command === 'rotate') {
  const name = rest[0] ?? fail("rotate needs the key's name.")
  await withDatabase(async db => {
    const token = (await apiKeys.rotate(db, name)) ?? fail(`No active key is named "${name}".`)
    console.error(`Rotated API key "${name}": its old token is refused from now on. The new token is shown once:`)
    console.log(token)
  })
} else if (command === 'revoke') {
  const name = rest[0] ?? fail("revoke needs the key's name.")
  await withDatabase(async db => {
    if (!(await apiKeys.revoke(db, name))) fail(`No active key is named "${name}".`)
    console.log(`Revoked API key "${name}"; it is refused from now on.`)
  })
} else {
  fail(command === undefined ? 'No command given.' : `Unknown command "${command}".`)
}

async function withDatabase(work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<void>) {
  const database = await openDatabase(configOrExit())
  try {
    await prepareDatabase(database.db)
    await work(database.db)
  } finally {
    await database.close()
  }
}
