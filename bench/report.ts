import { cpus, hostname, loadavg, release, totalmem } from 'node:os'
import { STANDARD, type Measured, type Shape } from './measure.ts'
import type { PgbenchFigures } from './sql.ts'

export interface Row {
  scenario: string
  service: Measured
  ceiling?: Measured
  /** pgbench running the same SQL (reads) or single-row inserts (ingest). */
  pgbench?: PgbenchFigures
  peer?: Measured
  rowsPerRequest?: number
}

const fixed = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const ratio = (a: number, b: number | undefined) => (b === undefined ? '–' : `${fixed(a / b, 2)}×`)

export function describeMachine(serverVersion: string): string {
  const cpu = cpus()
  return [
    `- Host: ${hostname()}, Linux ${release()}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fixed(totalmem() / 2 ** 30)} GiB`,
    `- Load average when the run began: ${loadavg()
      .map(n => n.toFixed(2))
      .join(' ')}`,
    `- Node ${process.version}; PostgreSQL ${serverVersion} on the same machine; load from autocannon in its own process`,
    `- Every run: ${STANDARD.connections} connections, 1 s warm-up, ${STANDARD.seconds} s measured; pgbench with as many clients, 2 threads`
  ].join('\n')
}

export function figuresTable(rows: Row[]): string {
  const lines = [
    '| Scenario | req/s | p50 ms | p99 ms | RSS MB | ceiling req/s | × ceiling | pgbench tx/s | × pgbench | peer ' +
      'req/s | × peer |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
  ]
  for (const { scenario, service, ceiling, pgbench, peer, rowsPerRequest = 1 } of rows) {
    lines.push(
      `| ${scenario} | ${fixed(service.requestsPerSecond)} | ${service.p50} | ${service.p99} | ${fixed(service.rssMb)} | ` +
        `${fixed(ceiling?.requestsPerSecond)} | ${ratio(service.requestsPerSecond, ceiling?.requestsPerSecond)} | ` +
        `${fixed(pgbench?.transactionsPerSecond)} | ${ratio(service.requestsPerSecond * rowsPerRequest, pgbench?.transactionsPerSecond)} | ` +
        `${fixed(peer?.requestsPerSecond)} | ${ratio(service.requestsPerSecond, peer?.requestsPerSecond)} |`
    )
  }
  return lines.join('\n')
}

/** The targets, each as a ratio measured in this run, met or not. */
export function targetsTable(rows: Row[]): { table: string; missed: number } {
  const row = (name: string) => rows.find(r => r.scenario === name)!
  const checks: Array<[string, number, number]> = []
  for (const name of [
    'municipality list',
    'municipality list, If-None-Match',
    'uptake JSON, If-None-Match',
    'uptake CSV, If-None-Match'
  ]) {
    const r = row(name)
    checks.push([`${name}: ≥ 0.8 of the ceiling`, r.service.requestsPerSecond / r.ceiling!.requestsPerSecond, 0.8])
  }
  for (const name of ['uptake JSON', 'uptake CSV']) {
    const r = row(name)
    checks.push([
      `${name} (uncached): ≥ 2× the peer's raw list of the same rows`,
      r.service.requestsPerSecond / r.peer!.requestsPerSecond,
      2
    ])
  }
  for (const ingest of rows.filter(r => r.pgbench !== undefined && r.scenario.startsWith('decision i'))) {
    const decisions = ingest.service.requestsPerSecond * (ingest.rowsPerRequest ?? 1)
    checks.push([
      `${ingest.scenario}: decisions/s ≥ 0.5 of pgbench's single-row inserts (durable commits)`,
      decisions / ingest.pgbench!.transactionsPerSecond,
      0.5
    ])
  }
  const lines = ['| Target | Measured | Met |', '|---|--:|:-:|']
  let missed = 0
  for (const [target, measured, wanted] of checks) {
    if (measured < wanted) missed++
    lines.push(`| ${target} | ${fixed(measured, 2)} | ${measured >= wanted ? 'yes' : '**no**'} |`)
  }
  const worstP99 = rows.reduce((worst, r) => (r.service.p99 > worst.service.p99 ? r : worst))
  if (worstP99.service.p99 >= 50) missed++
  lines.push(
    `| p99 under 50 ms at ${STANDARD.connections} connections on every endpoint (worst: ${worstP99.scenario}) | ${worstP99.service.p99} ms | ${worstP99.service.p99 < 50 ? 'yes' : '**no**'} |`
  )
  const rss = Math.max(...rows.map(r => r.service.rssMb ?? 0))
  if (rss >= 200) missed++
  lines.push(`| server RSS under 200 MB under load | ${fixed(rss)} MB | ${rss < 200 ? 'yes' : '**no**'} |`)
  return { table: lines.join('\n'), missed }
}

/** How each answer's cost grows from the 290 real municipalities to the synthetic 10,000 and 1,000,000 decisions. */
export function scaleTable(base: Row[], scaled: Row[], shape: Shape): string {
  const lines = [
    `| Scenario | req/s at 290 | req/s at 10,000 | slowdown | p99 ms at 10,000 (${shape.connections} connections) | pgbench tx/s at 10,000 | × pgbench |`,
    '|---|--:|--:|--:|--:|--:|--:|'
  ]
  for (const s of scaled) {
    const b = base.find(r => r.scenario === s.scenario)!
    lines.push(
      `| ${s.scenario} | ${fixed(b.service.requestsPerSecond)} | ${fixed(s.service.requestsPerSecond)} | ` +
        `${fixed(b.service.requestsPerSecond / s.service.requestsPerSecond, 1)}× | ${s.service.p99} | ` +
        `${fixed(s.pgbench?.transactionsPerSecond)} | ${ratio(s.service.requestsPerSecond * (s.rowsPerRequest ?? 1), s.pgbench?.transactionsPerSecond)} |`
    )
  }
  return lines.join('\n')
}
