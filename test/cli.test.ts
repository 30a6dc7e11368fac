import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { connect } from '../src/db/connection.ts'
import { startEmbedded } from '../src/db/embedded.ts'
import { emptyDatabase } from './helpers.ts'

const run = promisify(execFile)
const cli = (script: string, args: string[], env: Record<string, string>) =>
  run(process.execPath, [join(import.meta.dirname, '../src/cli', script), ...args], {
    env: { PATH: process.env.PATH, ...env }
  }).catch((error: { code: number; stdout: string; stderr: string }) => error)

t.test('npm run migrate brings an empty database to the current schema with reference data', async t => {
  const { db, url } = await emptyDatabase(t)
  const result = await cli('migrate.ts', [], { DATABASE_URL: url })
  t.match(
    result.stdout,
    /applied 16 migration\(s\) \(0001_reference_data_and_api_keys, 0002_recommendation_periods_and_decisions, 0003_cost_shares_invoicing_and_allocations, 0004_quality_registers_and_payouts, 0005_audit_events, 0006_idempotency_per_client, 0007_data_version, 0008_latest_decisions, 0009_population_basis_and_membership_fee, 0010_events_and_webhooks, 0011_settlements_and_organisation_numbers, 0012_write_path_functions, 0013_reference_data_version, 0014_periods_in_reference_data_version, 0015_decision_contexts_together, 0016_record_writes_together\); new reference rows: 21 counties, 290 municipalities, 2031 population figures, 2 recommendation periods, 5 quality registers/
  )
  t.notMatch(result.stdout, /:postgres@|password/, 'the password is not printed')
  t.equal(
    (
      await db
        .selectFrom('municipalities')
        .select(eb => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
    290
  )
})

t.test('api-key create prints a working token once; revoke stops it', async t => {
  const { db, url } = await emptyDatabase(t)
  const created = await cli(
    'api-key.ts',
    ['create', '--name', 'registrar', '--scope', 'decisions:write', '--scope', 'read'],
    { DATABASE_URL: url }
  )
  const token = created.stdout.trim()
  t.match(token, /^jfk_[\w-]{43}$/)
  t.same(await apiKeys.findActive(db, token).then(k => k && { name: k.name, scopes: k.scopes }), {
    name: 'registrar',
    scopes: ['decisions:write', 'read']
  })
  const duplicate = await cli('api-key.ts', ['create', '--name', 'registrar', '--scope', 'read'], { DATABASE_URL: url })
  t.equal((duplicate as { code?: number }).code, 2)
  t.match(duplicate.stderr, /An active key named "registrar" exists/)
  const revoked = await cli('api-key.ts', ['revoke', 'registrar'], { DATABASE_URL: url })
  t.match(revoked.stdout, /Revoked API key "registrar"/)
  t.equal(await apiKeys.findActive(db, token), undefined)
})

t.test(
  'api-key rotate gives a key a new token of the same scopes and municipality; the old token is refused',
  async t => {
    const { db, url } = await emptyDatabase(t)
    const created = await cli(
      'api-key.ts',
      ['create', '--name', 'tyreso-registrar', '--scope', 'decisions:write', '--municipality', '0138'],
      { DATABASE_URL: url }
    )
    const rotated = await cli('api-key.ts', ['rotate', 'tyreso-registrar'], { DATABASE_URL: url })
    t.match(rotated.stderr, /Rotated API key "tyreso-registrar": its old token is refused from now on/)
    t.not(rotated.stdout.trim(), created.stdout.trim())
    t.equal(await apiKeys.findActive(db, created.stdout.trim()), undefined, 'the old token is refused')
    t.match(await apiKeys.findActive(db, rotated.stdout.trim()), {
      name: 'tyreso-registrar',
      scopes: ['decisions:write'],
      municipality_code: '0138'
    })
    const unknown = await cli('api-key.ts', ['rotate', 'nobody'], { DATABASE_URL: url })
    t.equal((unknown as { code?: number }).code, 2)
    t.match(unknown.stderr, /No active key is named "nobody"/)
  }
)

t.test(
  'api-key refuses to issue admin to a municipality: every admin operation acts for the whole country',
  async t => {
    const { url } = await emptyDatabase(t)
    const refused = await cli(
      'api-key.ts',
      ['create', '--name', 'x', '--scope', 'read', '--scope', 'admin', '--municipality', '0138'],
      { DATABASE_URL: url }
    )
    t.equal((refused as { code?: number }).code, 2)
    t.match(refused.stderr, /cannot have the scope admin/)
  }
)

t.test('api-key refuses unknown scopes and commands with usage', async t => {
  const { url } = await emptyDatabase(t)
  const badScope = await cli('api-key.ts', ['create', '--name', 'x', '--scope', 'write'], { DATABASE_URL: url })
  t.equal((badScope as { code?: number }).code, 2)
  t.match(badScope.stderr, /Unknown scope\(s\): write\.[\s\S]*Usage:/)
  const badCommand = await cli('api-key.ts', ['list'], { DATABASE_URL: url })
  t.match(badCommand.stderr, /Unknown command "list"/)
  const unknownMunicipality = await cli(
    'api-key.ts',
    ['create', '--name', 'x', '--scope', 'allocations:write', '--municipality', '9999'],
    { DATABASE_URL: url }
  )
  t.match(unknownMunicipality.stderr, /No municipality has code 9999/)
})

t.test('api-key issues a key to one municipality with --municipality', async t => {
  const { db, url } = await emptyDatabase(t)
  const created = await cli(
    'api-key.ts',
    ['create', '--name', 'tyreso', '--scope', 'allocations:write', '--municipality', '0138'],
    { DATABASE_URL: url }
  )
  t.match(created.stderr, /Created API key "tyreso" for municipality 0138/)
  t.equal((await apiKeys.findActive(db, created.stdout.trim()))?.municipality_code, '0138')
})

t.test('on the embedded database, api-key works whether or not the service is running', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'joint-financing-cli-'))
  await chmod(dataDir, 0o755)
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))

  // Not running: the command starts the embedded server itself, and stops it again.
  const first = await cli('api-key.ts', ['create', '--name', 'offline', '--scope', 'read'], { DATA_DIR: dataDir })
  t.match(first.stdout, /^jfk_/)

  // Running (as when `npm start` is up): the command uses that server, since two cannot share the data.
  const service = await startEmbedded(dataDir)
  const db = connect(service.url)
  t.teardown(async () => {
    await db.destroy()
    await service.stop()
  })
  t.ok(await apiKeys.findActive(db, first.stdout.trim()), 'the key made while stopped is in the data')
  const second = await cli('api-key.ts', ['create', '--name', 'online', '--scope', 'admin'], { DATA_DIR: dataDir })
  t.ok(await apiKeys.findActive(db, second.stdout.trim()), 'the key made while running is visible to the service')
  const revoked = await cli('api-key.ts', ['revoke', 'offline'], { DATA_DIR: dataDir })
  t.match(revoked.stdout, /Revoked/)
  t.equal(await apiKeys.findActive(db, first.stdout.trim()), undefined)
})
