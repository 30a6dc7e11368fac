/**
 * `npm run bench`: the service beside its baselines, measured in one run on one machine, reported as ratios.
 * Seeds a fresh database (BENCH_DATABASE_URL's server, or an embedded PostgreSQL), then for each scenario of
 * scenarios.ts measures the service (`node src/server.ts`, a child process), the ceiling (ceiling.ts), pgbench
 * running the same SQL, and the peer (Platformatic DB, bench/peer); then grows the data to 10,000 municipalities
 * and 1,000,000 decisions and measures again, with the query plans. Writes bench/results/<time>.md and prints it.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { CeilingBody } from './ceiling.ts'
import { freshDatabase, seed } from './database.ts'
import { measure, STANDARD, startServer, type Measured, type Server, type Shape } from './measure.ts'
import { describeMachine, figuresTable, scaleTable, targetsTable, type Row } from './report.ts'
import { grow, SCALE } from './scale.ts'
import { scenarios, type Scenario } from './scenarios.ts'
import { pgbench, plans, statementsOf, type PgbenchFigures } from './sql.ts'

const here = import.meta.dirname
const started = Date.now()
const log = (line: string) => console.error(`[${Math.round((Date.now() - started) / 1000)} s] ${line}`)

const database = await freshDatabase()
const work = await mkdtemp(join(tmpdir(), 'joint-financing-bench-'))
const machine = describeMachine(database.serverVersion)

/** The service as it runs in production, minus the rate limit (the load comes from one key) and the shutdown drain. */
// The protections are off: the bench measures capacity, and a rate limit or load shedding (503 once the event loop lags
// a
// second, as a 10,000-municipality report under 10 connections makes it) would only cut the runs short.
const startService = (url: string) =>
  startServer([join(here, '../src/server.ts')], {
    base: 'http://127.0.0.1:3901',
    readyPath: '/health/ready',
    env: {
      DATABASE_URL: url,
      PORT: '3901',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      SHUTDOWN_DRAIN_MS: '0'
    }
  })

const isRead = (s: Scenario) => s.method === 'GET' && !s.conditional
/** A conditional read runs the SQL of its unconditional twin before it can compare ETags. */
const twinOf = (all: Scenario[], s: Scenario) => all.find(other => isRead(other) && other.path === s.path)

async function measureService(url: string, all: Scenario[], shape: Shape = STANDARD) {
  const service = await startService(url)
  const figures = new Map<string, Measured>()
  const bodies: CeilingBody[] = []
  try {
    for (const scenario of all) {
      log(`service: ${scenario.name}`)
      figures.set(scenario.name, await measure(service, scenario, shape))
      if (isRead(scenario)) {
        const response = await fetch(service.base + scenario.path, { headers: scenario.headers })
        bodies.push({
          path: `/ceiling/${bodies.length}`,
          contentType: response.headers.get('content-type')!,
          etag: response.headers.get('etag')!,
          base64: Buffer.from(await response.arrayBuffer()).toString('base64')
        })
      }
    }
  } finally {
    await service.stop()
  }
  return { figures, bodies }
}

async function measureCeiling(all: Scenario[], bodies: CeilingBody[]) {
  const file = join(work, 'ceiling-bodies.json')
  await writeFile(file, JSON.stringify(bodies))
  const ceiling = await startServer([join(here, 'ceiling.ts'), '3902', file], {
    base: 'http://127.0.0.1:3902',
    readyPath: bodies[0]!.path
  })
  const figures = new Map<string, Measured>()
  try {
    for (const scenario of all.filter(s => s.method === 'GET')) {
      log(`ceiling: ${scenario.name}`)
      const index = all.filter(isRead).indexOf(twinOf(all, scenario)!)
      figures.set(scenario.name, await measure(ceiling, { ...scenario, path: bodies[index]!.path }))
    }
  } finally {
    await ceiling.stop()
  }
  return figures
}

/**
 * pgbench over the SQL each read runs (captured from the service's query log), and over single-row inserts for ingest.
 */
async function measureDatabase(url: string, all: Scenario[], periodId: number, shape: Shape = STANDARD) {
  const reads = all.filter(isRead)
  const statements = await statementsOf(url, reads)
  const figures = new Map<string, PgbenchFigures>()
  for (const scenario of reads) {
    log(`pgbench: ${scenario.name}`)
    figures.set(
      scenario.name,
      await pgbench(url, statements.get(scenario.name)!, {
        clients: shape.connections,
        seconds: shape.seconds,
        dir: work,
        name: scenario.name
      })
    )
  }
  for (const scenario of all.filter(s => s.conditional))
    figures.set(scenario.name, figures.get(twinOf(all, scenario)!.name)!)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const {
    rows: [registrar]
  } = await client.query("SELECT id FROM api_keys WHERE name = 'bench-registrar'")
  await client.end()
  const insert =
    'INSERT INTO decisions (period_id, municipality_code, outcome, decided_on, decided_by, received_on, first_year, ' +
    'recorded_by_api_key_id) ' +
    `VALUES (${periodId}, '0114', 'adopted', '2019-05-02', 'Kommunfullmäktige', '2019-05-02', 2020, ${registrar.id})`
  log('pgbench: single-row inserts')
  const singleRowInserts = await pgbench(url, [insert], {
    clients: shape.connections,
    seconds: shape.seconds,
    dir: work,
    name: 'single-row-insert'
  })
  for (const scenario of all.filter(s => s.uniqueIdempotencyKeys)) figures.set(scenario.name, singleRowInserts)
  return { figures, statements }
}

async function measurePeer(url: string, all: Scenario[]) {
  const dir = join(here, 'peer')
  if (!existsSync(join(dir, 'node_modules'))) {
    log('installing the peer (Platformatic DB) in bench/peer')
    const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' })
    if (install.status !== 0) throw new Error('could not install the peer in bench/peer')
  }
  const peer: Server = await startServer([join(dir, 'server.js'), url, '3903'], {
    base: 'http://127.0.0.1:3903',
    readyPath: '/municipalities?limit=1',
    cwd: dir
  })
  const figures = new Map<string, Measured>()
  try {
    for (const scenario of all.filter(s => s.peerPath !== undefined)) {
      log(`peer: ${scenario.name}`)
      figures.set(
        scenario.name,
        await measure(peer, { ...scenario, path: scenario.peerPath!, headers: {}, expect: 200 })
      )
    }
  } finally {
    await peer.stop()
  }
  return figures
}

try {
  log(`seeding ${database.url.replace(/:[^:@/]*@/, ':***@')}`)
  const { periodId, keys, codes } = await seed(database.url)
  const all = scenarios(periodId, keys, codes)
  const service = await measureService(database.url, all)
  const ceiling = await measureCeiling(all, service.bodies)
  const sql = await measureDatabase(database.url, all, periodId)
  const peer = await measurePeer(database.url, all)
  const base: Row[] = all.map(s => ({
    scenario: s.name,
    service: service.figures.get(s.name)!,
    ceiling: ceiling.get(s.name),
    pgbench: sql.figures.get(s.name),
    peer: peer.get(s.name),
    rowsPerRequest: s.rowsPerRequest
  }))

  log(`growing to ${SCALE.municipalities} municipalities and ${SCALE.decisions} decisions`)
  await grow(database.url, periodId)
  // A report over 10,000 municipalities takes a tenth of a second of CPU: 50 connections would only queue for seconds
  // (and a 5 s run would see few answers), so the scale pass uses 10 connections for 10 s, pgbench alike.
  const scale: Shape = { connections: 10, seconds: 2 * STANDARD.seconds }
  const scaledService = await measureService(database.url, all, scale)
  const scaledSql = await measureDatabase(database.url, all, periodId, scale)
  const scaled: Row[] = all.map(s => ({
    scenario: s.name,
    service: scaledService.figures.get(s.name)!,
    pgbench: scaledSql.figures.get(s.name),
    rowsPerRequest: s.rowsPerRequest
  }))
  const planText = []
  for (const scenario of all.filter(isRead)) {
    planText.push(
      `## ${scenario.name}: ${scenario.path}\n`,
      await plans(database.url, scaledSql.statements.get(scenario.name)!)
    )
  }

  const stamp = new Date().toISOString().slice(0, 16).replace(':', '-')
  const targets = targetsTable(base)
  const report = [
    `# Benchmark ${stamp}`,
    '',
    machine,
    '',
    '## The service beside its baselines (290 municipalities, both periods, a decision from each, 2020 invoiced, ' +
      'payouts)',
    '',
    figuresTable(base),
    '',
    'Ceiling: a bare Fastify returning the same body from memory (with its ETag and 304). pgbench: the SQL the ' +
      'request runs, ' +
      "captured from the service's query log, one transaction per request; for ingest, single-row INSERTs with " +
      'durable commits ' +
      '(compared per decision: an import writes 100 per request). ' +
      "Peer: Platformatic DB's generated REST list of the rows the answer is made from (municipalities; the " +
      "period's decisions).",
    '',
    '## Targets',
    '',
    targets.table,
    '',
    `## Scale: ${SCALE.municipalities.toLocaleString('en-GB')} municipalities, ${SCALE.decisions.toLocaleString('en-GB')} decisions`,
    '',
    scaleTable(base, scaled, scale),
    '',
    `Query plans at scale: ${stamp}-plans.txt`,
    ''
  ].join('\n')
  await mkdir(join(here, 'results'), { recursive: true })
  await writeFile(join(here, 'results', `${stamp}.md`), report)
  await writeFile(join(here, 'results', `${stamp}-plans.txt`), planText.join('\n'))
  await writeFile(join(here, 'results', `${stamp}.json`), JSON.stringify({ machine, base, scaled }, null, 2))
  console.log(report)
  log(`done; written to bench/results/${stamp}.md`)
} finally {
  await database.drop()
  await rm(work, { recursive: true, force: true })
}
