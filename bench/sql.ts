import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LogEvent } from 'kysely'
import pg from 'pg'
import { build } from '../src/app.ts'
import { connect } from '../src/db/connection.ts'
import type { Scenario } from './scenarios.ts'

/** A parameter as an SQL literal, so a captured statement runs on its own in pgbench or EXPLAIN. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`
  if (value instanceof Date) return `'${value.toISOString()}'`
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(', ')}]`
  if (typeof value === 'object') return `'${JSON.stringify(value).replaceAll("'", "''")}'`
  return `'${String(value).replaceAll("'", "''")}'`
}

const inline = ({ query }: LogEvent) =>
  query.sql.replace(/\$(\d+)/g, (_, n: string) => literal(query.parameters[Number(n) - 1]))

/** The statements the service runs for one request of each scenario, captured from its query log. */
export async function statementsOf(url: string, scenarios: Scenario[]): Promise<Map<string, string[]>> {
  let captured: string[] = []
  const db = connect(url, {
    log: event => {
      // The webhook worker's look for due endpoints runs beside the requests, woken by their changes: not theirs.
      if (event.level === 'query' && !event.query.sql.includes('"webhook_endpoints"')) captured.push(inline(event))
    }
  })
  const app = await build({ db })
  const statements = new Map<string, string[]>()
  try {
    // A first request loads the API keys into the service's key cache, which a running service has long since done.
    const first = scenarios[0]!
    await app.inject({ method: first.method, url: first.path, headers: first.headers, payload: first.body })
    for (const scenario of scenarios) {
      // As after a write: nothing cached, so the request runs (and the log shows) all its SQL, not a memo's none.
      app.changes.madeHere()
      captured = []
      const response = await app.inject({
        method: scenario.method,
        url: scenario.path,
        headers: scenario.headers,
        payload: scenario.body
      })
      if (response.statusCode !== 200)
        throw new Error(`${scenario.name} answered ${response.statusCode} while its SQL was captured`)
      if (captured.length === 0) throw new Error(`${scenario.name} ran no SQL while its SQL was captured`)
      statements.set(scenario.name, captured)
    }
  } finally {
    await app.close()
    await db.destroy()
  }
  return statements
}

export interface PgbenchFigures {
  transactionsPerSecond: number
  latencyMs: number
  failed: number
}

/** pgbench running `statements` as one transaction per request, with the load generator's connection count. */
export async function pgbench(
  url: string,
  statements: string[],
  options: { clients: number; seconds: number; dir: string; name: string }
): Promise<PgbenchFigures> {
  const script = join(options.dir, `${options.name.replace(/\W+/g, '-')}.sql`)
  await writeFile(script, statements.map(s => `${s};\n`).join(''))
  const args = [
    '-n',
    '-M',
    'extended',
    '-c',
    String(options.clients),
    '-j',
    '2',
    '-T',
    String(options.seconds),
    '-f',
    script,
    url
  ]
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.env.PGBENCH ?? 'pgbench', args)
    let text = ''
    child.stdout.on('data', chunk => {
      text += chunk
    })
    child.stderr.on('data', chunk => {
      text += chunk
    })
    child.on('error', reject)
    child.on('close', code =>
      code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text.slice(-2000)}`))
    )
  })
  const figure = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN)
  return {
    transactionsPerSecond: figure(/tps = ([\d.]+) \(without initial connection time\)/),
    latencyMs: figure(/latency average = ([\d.]+) ms/),
    failed: figure(/number of failed transactions: (\d+)/) || 0
  }
}

/** What EXPLAIN takes: a report's reads run inside `start transaction … read only` / `commit`, which have no plan. */
const explainable = (statement: string) => /^\s*(select|with|insert|update|delete|values)\b/i.test(statement)

/** The query plans PostgreSQL chose for a request's statements, executed, with buffer counts. */
export async function plans(url: string, statements: string[]): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const out: string[] = []
    for (const statement of statements.filter(explainable)) {
      const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement}`)
      out.push(statement, ...result.rows.map(row => `  ${row['QUERY PLAN']}`), '')
    }
    return out.join('\n')
  } finally {
    await client.end()
  }
}
