/**
 * `npm run bench`: the service beside its baselines, measured in one run on one machine, reported as ratios.
 * Seeds a fresh database (BENCH_DATABASE_URL's server, or an embedded PostgreSQL), then for each scenario of
 * scenarios.ts measures the service (the Docker image's command, a child process), the ceiling (ceiling.ts, right
 * after the service on each read it can repeat), pgbench running the same SQL, and the peer (Platformatic DB,
 * bench/peer); then grows the data to 10,000 municipalities and 1,000,000 decisions and measures again, with the query plans (BENCH_SKIP_SCALE=1 leaves that pass out, for a
 * smoke run). Between the two, the mixed scenario (mixed.ts: writes while BI clients poll) runs on the service alone.
 * Writes bench/results/<time>.md and prints it.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { CeilingBody } from './ceiling.ts'
import { freshDatabase, seed } from './database.ts'
import { measure, STANDARD, startServer, watchRss, type Measured, type Server, type Shape } from './measure.ts'
import { mixed, type MixedFigures } from './mixed.ts'
import {
  describeMachine,
  figuresTable,
  ingestTable,
  mixedTable,
  scaleTable,
  targetsTable,
  webhooksTable,
  type Row
} from './report.ts'
import { grow, SCALE } from './scale.ts'
import { scenarios, UNCACHED, UNCACHED_FROM, type Scenario } from './scenarios.ts'
import { pgbench, plans, statementsOf, type PgbenchFigures } from './sql.ts'
import { webhookIngest } from './webhooks.ts'

const here = import.meta.dirname
const started = Date.now()
const log = (line: string) => console.error(`[${Math.round((Date.now() - started) / 1000)} s] ${line}`)

const database = await freshDatabase()
const work = await mkdtemp(join(tmpdir(), 'joint-financing-bench-'))
const machine = describeMachine(database.serverVersion)

/**
 * The command the Docker image runs (its CMD: Node with its V8 settings, on the compiled dist/), so that the figures
 * are production's, on dist/ as `npm run build` makes it of this checkout. `npm start` runs the same code from src/,
 * its types stripped as it loads: the stripper holds some 20 MB more of RSS.
 */
const [, ...imageArgs] = JSON.parse(
  /^CMD (\[.*\])$/m.exec(readFileSync(join(here, '../Dockerfile'), 'utf8'))![1]!
) as string[]
if (spawnSync('npm', ['run', 'build'], { cwd: join(here, '..'), stdio: 'inherit' }).status !== 0)
  throw new Error('npm run build failed')

/** The service as it runs in production, minus the rate limit (the load comes from one key) and the shutdown drain. */
// The protections are off: the bench measures capacity, and a rate limit or load shedding (503 once the event loop lags
// a second, as a 10,000-municipality report under 10 connections makes it) would only cut the runs short.
const startService = (url: string, env: NodeJS.ProcessEnv = {}) =>
  startServer(imageArgs, {
    base: 'http://127.0.0.1:3901',
    readyPath: '/health/ready',
    env: {
      DATABASE_URL: url,
      PORT: '3901',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      SHUTDOWN_DRAIN_MS: '0',
      ...env
    }
  })

const isRead = (s: Scenario) => s.method === 'GET' && !s.conditional
/** The reads the ceiling repeats: one day's bytes cannot stand for the uncached reads' every day another answer. */
const isCachedRead = (s: Scenario) => isRead(s) && !s.uncached
/** A conditional read's unconditional twin: the SQL it would run uncached, the body it is a 304 for. */
const twinOf = (all: Scenario[], s: Scenario) => all.find(other => isCachedRead(other) && other.path === s.path)

/**
 * The service through `all`; then, given `withMixed`, through the mixed scenario. RSS is its peak over the whole run.
 * Given `withCeiling`, each read the ceiling can repeat is measured on it right after the service, so that a ratio
 * compares two runs seconds apart: this host's speed drifts by twofold over minutes, for both alike.
 */
async function measureService(
  url: string,
  all: Scenario[],
  shape: Shape = STANDARD,
  withMixed?: Omit<Parameters<typeof mixed>[1], 'seconds'>,
  withCeiling = false
) {
  const service = await startService(url)
  const rss = watchRss(service.pid)
  const figures = new Map<string, Measured>()
  const ceilingFigures = new Map<string, Measured>()
  let mixedFigures: MixedFigures | undefined
  const ceiling = withCeiling ? await startCeiling(service, all) : undefined
  try {
    for (const scenario of all) {
      log(`service: ${scenario.name}`)
      figures.set(scenario.name, await measure(service, scenario, shape))
      const ceilingPath = ceiling?.paths.get(scenario.path)
      if (ceilingPath !== undefined) {
        log(`ceiling: ${scenario.name}`)
        ceilingFigures.set(scenario.name, await measure(ceiling!.server, { ...scenario, path: ceilingPath }, shape))
      }
    }
    if (withMixed !== undefined) {
      log('service: mixed (a decision every 100 ms, 50 clients polling the uptake)')
      mixedFigures = await mixed(service.base, { ...withMixed, seconds: shape.seconds })
    }
  } finally {
    rss.stop()
    await Promise.all([service.stop(), ceiling?.server.stop()])
  }
  return { figures, ceiling: ceilingFigures, rssMb: rss.peakMb(), mixed: mixedFigures }
}

/**
 * The ceiling, serving the service's own answers to the reads it can repeat (fetched before any write changes them),
 * each under a path of its own: `paths` maps the service's path to the ceiling's.
 */
async function startCeiling(service: Server, all: Scenario[]) {
  const bodies: CeilingBody[] = []
  const paths = new Map<string, string>()
  for (const scenario of all.filter(isCachedRead)) {
    const response = await fetch(service.base + scenario.path, { headers: scenario.headers })
    const path = `/ceiling/${bodies.length}`
    bodies.push({
      path,
      contentType: response.headers.get('content-type')!,
      etag: response.headers.get('etag')!,
      base64: Buffer.from(await response.arrayBuffer()).toString('base64')
    })
    paths.set(scenario.path, path)
  }
  const file = join(work, 'ceiling-bodies.json')
  await writeFile(file, JSON.stringify(bodies))
  const server = await startServer([join(here, 'ceiling.ts'), '3902', file], {
    base: 'http://127.0.0.1:3902',
    readyPath: bodies[0]!.path
  })
  return { server, paths }
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
  log('pgbench: single-row inserts')
  const singleRowInserts = await pgbench(url, [await singleRowInsert(url, periodId)], {
    clients: shape.connections,
    seconds: shape.seconds,
    dir: work,
    name: 'single-row-insert'
  })
  for (const scenario of all.filter(s => s.uniqueIdempotencyKeys)) figures.set(scenario.name, singleRowInserts)
  return { figures, statements }
}

/**
 * The baseline of ingest: PostgreSQL's durable insert of one row into a table like decisions (its columns, checks and
 * indexes), without the service's triggers: the data version's NOTIFY and the latest-decision upkeep are costs of the
 * service, which the ratio must show, not hide in the baseline.
 */
async function singleRowInsert(url: string, periodId: number): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const {
    rows: [registrar]
  } = await client.query("SELECT id FROM api_keys WHERE name = 'bench-registrar'")
  await client.query('CREATE TABLE IF NOT EXISTS bench_single_row_inserts (LIKE decisions INCLUDING ALL)')
  await client.end()
  return (
    'INSERT INTO bench_single_row_inserts (period_id, municipality_code, outcome, decided_on, decided_by, received_on, ' +
    'first_year, recorded_by_api_key_id) ' +
    `VALUES (${periodId}, '0114', 'adopted', '2019-05-02', 'Kommunfullmäktige', '2019-05-02', 2020, ${registrar.id})`
  )
}

/**
 * The same insert with the one cost every write of the service must pay (issue 20's data version): a NOTIFY, in the
 * same statement, as the service's single decision sends it. PostgreSQL commits notifying transactions one at a
 * time, so no write of the service can go faster, however little else it does.
 */
async function measureNotifyingInserts(url: string, periodId: number) {
  log('pgbench: single-row inserts, each with a NOTIFY')
  const insert = await singleRowInsert(url, periodId)
  return pgbench(url, [`WITH inserted AS (${insert}) SELECT pg_notify('bench_data_changed', '1')`], {
    clients: STANDARD.connections,
    seconds: STANDARD.seconds,
    dir: work,
    name: 'single-row-insert-notify'
  })
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
  const byPath = new Map<string, Measured>() // several answers are made from the same rows: each list measured once
  try {
    for (const scenario of all.filter(s => s.peerPath !== undefined)) {
      let measured = byPath.get(scenario.peerPath!)
      if (measured === undefined) {
        log(`peer: ${scenario.peerPath}`)
        measured = await measure(peer, {
          ...scenario,
          path: scenario.peerPath!,
          headers: {},
          expect: 200,
          uncached: false
        })
        byPath.set(scenario.peerPath!, measured)
      }
      figures.set(scenario.name, measured)
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
  const service = await measureService(database.url, all, STANDARD, { periodId, keys, codes }, true)
  // Webhooks to receivers on loopback, which the shipped settings refuse (SSRF): allowed for this pass only.
  log('service: decision ingest without, with and again without three webhook endpoints')
  const hooked = await startService(database.url, { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' })
  const webhooks = await webhookIngest(
    hooked,
    database.url,
    all.find(s => s.name === 'decision ingest, new keys')!,
    keys.admin,
    STANDARD
  ).finally(() => hooked.stop())
  const sql = await measureDatabase(database.url, all, periodId)
  const notifyingInserts = await measureNotifyingInserts(database.url, periodId)
  const peer = await measurePeer(database.url, all)
  const base: Row[] = all.map(s => ({
    scenario: s.name,
    service: service.figures.get(s.name)!,
    ceiling: service.ceiling.get(s.name),
    pgbench: sql.figures.get(s.name),
    peer: peer.get(s.name),
    rowsPerRequest: s.rowsPerRequest
  }))

  // The scale pass: uncached reports over 10,000 municipalities take a tenth of a second of CPU each, 50 connections
  // would only queue for seconds (and a 5 s run would see few answers), so it uses 10 connections for 10 s, pgbench
  // alike.
  const scale: Shape = { connections: 10, seconds: 2 * STANDARD.seconds }
  let scaled: Row[] | undefined
  let scaledRssMb: number | undefined
  const planText = []
  if (process.env.BENCH_SKIP_SCALE === '1') {
    log('BENCH_SKIP_SCALE=1: no scale pass')
  } else {
    log(`growing to ${SCALE.municipalities} municipalities and ${SCALE.decisions} decisions`)
    await grow(database.url, periodId)
    const scaledService = await measureService(database.url, all, scale)
    const scaledSql = await measureDatabase(database.url, all, periodId, scale)
    scaledRssMb = scaledService.rssMb
    scaled = all.map(s => ({
      scenario: s.name,
      service: scaledService.figures.get(s.name)!,
      pgbench: scaledSql.figures.get(s.name),
      rowsPerRequest: s.rowsPerRequest
    }))
    for (const scenario of all.filter(isRead)) {
      planText.push(
        `## ${scenario.name}: ${scenario.path}\n`,
        await plans(database.url, scaledSql.statements.get(scenario.name)!)
      )
    }
  }

  const stamp = new Date().toISOString().slice(0, 16).replace(':', '-')
  const targets = targetsTable({
    base,
    scaled,
    mixed: service.mixed!,
    rssMb: { base: service.rssMb, scaled: scaledRssMb }
  })
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
    ingestTable(base, notifyingInserts),
    '',
    'Ingest beside its baselines: pgbench inserting one row per transaction into a copy of the decisions table ' +
      '(no triggers), and the same with a NOTIFY in each transaction, as every write of the service sends one (the ' +
      'data version): PostgreSQL commits notifying transactions one at a time, so no write of the service can go ' +
      'faster than that.',
    '',
    'Ceiling: a bare Fastify returning the same body from memory (with its ETag and 304). pgbench: the SQL the ' +
      'request runs, ' +
      "captured from the service's query log, one transaction per request; for ingest, single-row INSERTs with " +
      'durable commits ' +
      '(compared per decision: an import writes 100 per request). ' +
      "Peer: Platformatic DB's generated REST list of the rows the answer is made from (municipalities; the " +
      "period's decisions). " +
      'Reads are repeats, answered from the read cache (a 304 without touching the database), but for ' +
      `"${UNCACHED}": each of its requests asks the uptake as of another day (${UNCACHED_FROM}, then a day later per ` +
      'request; the warm-up the days before), and the cache keeps answers by URL and reports by as-of date, so every ' +
      'one is computed from the database, as the first read after a write is. Its pgbench runs the SQL of its first ' +
      `day. RSS: the peak of each measured run; the service's peak over this whole pass, the mixed scenario ` +
      `included, is ${Math.round(service.rssMb)} MB.`,
    '',
    '## Mixed: a registrar writing while BI clients poll',
    '',
    mixedTable(service.mixed!),
    '',
    `A decision every 100 ms (two municipalities of different counties, walked through four states so that each ` +
      'answer shows which write it reflects: mixed.ts), while 50 clients poll the uptake JSON with If-None-Match, ' +
      'each keeping its last ETag and body. A poll is stale when it began after a write was acknowledged and its ' +
      "answer (a 200's body, or the body a 304 confirms) reflects an earlier state. First read after a write: a " +
      "client's 200s.",
    '',
    '## Webhooks: ingest with three endpoints subscribed',
    '',
    webhooksTable(webhooks),
    '',
    'Single decisions as in "decision ingest, new keys", without endpoints, then with three subscribed to every event ' +
      '(receivers in a process of their own that answer 204 at once), then without again after deleting them; the ' +
      'ratio is the middle run against the mean of the other two. Each instance delivers in order, one event at a ' +
      'time per endpoint, so the deliveries may trail the writes; the last column says by how much.',
    '',
    '## Targets',
    '',
    targets.table,
    '',
    `## Scale: ${SCALE.municipalities.toLocaleString('en-GB')} municipalities, ${SCALE.decisions.toLocaleString('en-GB')} decisions`,
    '',
    scaled === undefined ? 'Not measured in this run (BENCH_SKIP_SCALE=1).' : scaleTable(base, scaled, scale),
    '',
    ...(scaled === undefined
      ? []
      : [
          `Service RSS peak over the scale pass: ${Math.round(scaledRssMb!)} MB. Query plans at scale: ${stamp}-plans.txt`,
          ''
        ])
  ].join('\n')
  await mkdir(join(here, 'results'), { recursive: true })
  await writeFile(join(here, 'results', `${stamp}.md`), report)
  if (scaled !== undefined) await writeFile(join(here, 'results', `${stamp}-plans.txt`), planText.join('\n'))
  await writeFile(
    join(here, 'results', `${stamp}.json`),
    JSON.stringify(
      { machine, base, scaled, mixed: service.mixed, webhooks, rssMb: service.rssMb, scaledRssMb },
      null,
      2
    )
  )
  console.log(report)
  log(`done; written to bench/results/${stamp}.md`)
} finally {
  await database.drop()
  await rm(work, { recursive: true, force: true })
}
