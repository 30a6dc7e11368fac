import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { testApp } from './helpers.ts'

// Every operation of the contract against every scope: the authorization matrix, read from the contract itself
// so that a new operation is covered the day it is added.
const contract = JSON.parse(await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))
const { app, db, keys } = await testApp(t)
const EXAMPLE_PARAMETERS: Record<string, string> = { id: '1', code: '0138', year: '2020' }
const operations = Object.entries(contract.paths as Record<string, Record<string, { 'x-required-scopes'?: string[] }>>)
  .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({
    method: method.toUpperCase() as 'GET' | 'POST' | 'PUT',
    url: path.replace(/\{(\w+)\}/g, (_, name: string) => EXAMPLE_PARAMETERS[name] ?? '1'),
    scope: operation['x-required-scopes']?.[0]
  })))
const send = (operation: typeof operations[number], token?: string) => app.inject({
  method: operation.method,
  url: operation.url,
  headers: { ...(token !== undefined && { authorization: `Bearer ${token}` }), ...(operation.method === 'PUT' && { 'if-match': '*' }) },
  ...(operation.method !== 'GET' && { payload: {} })
})

t.test('every operation that needs a scope refuses a request without a key (401) and a key without its scope (403)', async (t) => {
  let checked = 0
  for (const operation of operations.filter(o => o.scope !== undefined)) {
    const name = `${operation.method} ${operation.url}`
    const anonymous = await send(operation)
    t.equal(anonymous.statusCode, 401, `${name} without a key`)
    t.match(anonymous.headers['www-authenticate'], /^Bearer/)
    for (const scope of apiKeys.SCOPES.filter(scope => scope !== operation.scope)) {
      const refused = await send(operation, keys[scope])
      t.equal(refused.statusCode, 403, `${name} with only ${scope}`)
      t.match(refused.json(), { type: '/problems/forbidden', detail: new RegExp(`needs the scope "${operation.scope}"`) })
      checked++
    }
    const allowed = await send(operation, keys[operation.scope as apiKeys.Scope])
    t.not(allowed.statusCode, 401, `${name} with its scope gets past authentication`)
    t.not(allowed.statusCode, 403, `${name} with its scope is authorized`)
  }
  t.ok(checked >= 4 * 40, `${checked} refusals checked`)
})

t.test('the operations without a scope are exactly the probes and api-info', async (t) => {
  t.same(operations.filter(o => o.scope === undefined).map(o => o.url).sort(), ['/health/live', '/health/ready', '/v1/api-info'])
})

t.test('a revoked key is refused on the very next request, for every scope', async (t) => {
  for (const scope of apiKeys.SCOPES) {
    const name = `soon-revoked-${scope.replace(':', '-')}`
    const token = await apiKeys.create(db, name, [scope])
    const operation = operations.find(o => o.scope === scope)!
    t.not((await send(operation, token)).statusCode, 401, `${scope}: accepted before`)
    t.equal(await apiKeys.revoke(db, name), true)
    const after = await send(operation, token)
    t.equal(after.statusCode, 401, `${scope}: refused right after revocation`)
    t.match(after.json(), { detail: 'The API key is unknown or has been revoked.' })
  }
})
