import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { LoadFigures, LoadOptions } from './load.ts'
import type { Scenario } from './scenarios.ts'

/** How hard a run pushes: the 50 connections; at scale fewer, longer (see run.ts). */
export interface Shape {
  connections: number
  seconds: number
}
export const STANDARD: Shape = { connections: 50, seconds: Number(process.env.BENCH_SECONDS ?? 5) }
const root = join(import.meta.dirname, '..')

export interface Measured extends LoadFigures {
  rssMb?: number
}

/** A server under test, in its own process; `readyPath` answers once the work queued before it is done. */
export interface Server {
  base: string
  readyPath: string
  pid: number
  stop(): Promise<void>
}

/** Starts `node <args>` and waits until `readyPath` answers 200. */
export async function startServer(
  args: string[],
  options: { base: string; readyPath: string; env?: NodeJS.ProcessEnv; cwd?: string }
): Promise<Server> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr!.on('data', chunk => {
    stderr += chunk
  })
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}: ${stderr}`)
    const ready = await fetch(options.base + options.readyPath).then(
      r => r.ok,
      () => false
    )
    if (ready) break
    if (waited > 60_000) throw new Error(`${args.join(' ')} was not ready after 60 s: ${stderr}`)
    await sleep(100)
  }
  return { base: options.base, readyPath: options.readyPath, pid: child.pid!, stop: () => stop(child) }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise(resolve => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

const rssKbOf = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0 // the process has exited
  }
}

/** Samples a process's resident set every 100 ms from /proc until stopped: its peak over a whole server run. */
export function watchRss(pid: number): { peakMb(): number; stop(): void } {
  let peak = rssKbOf(pid)
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKbOf(pid))
  }, 100)
  return {
    peakMb: () => Math.max(peak, rssKbOf(pid)) / 1024,
    stop: () => clearInterval(timer)
  }
}

/** The largest resident set of a process while `work` runs. */
async function peakRssMb<T>(pid: number, work: Promise<T>): Promise<{ result: T; rssMb: number }> {
  const rss = watchRss(pid)
  try {
    const result = await work
    return { result, rssMb: rss.peakMb() }
  } finally {
    rss.stop()
  }
}

async function load(options: LoadOptions): Promise<LoadFigures> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(import.meta.dirname, 'load.ts'), JSON.stringify(options)],
    { maxBuffer: 16 * 1024 * 1024 }
  )
  return JSON.parse(stdout) as LoadFigures
}

/** The ETag the server gives the scenario's answer now, for its conditional (If-None-Match) form. */
async function currentEtag(server: Server, scenario: Scenario): Promise<string> {
  const response = await fetch(server.base + scenario.path, { headers: scenario.headers })
  const etag = response.headers.get('etag')
  if (etag === null) throw new Error(`${scenario.name}: no ETag to poll with`)
  return etag
}

/**
 * One scenario against one server: a one-second warm-up (JIT, pools, caches), then the measured run. Every answer
 * must have the scenario's status; a run that measured errors is refused rather than reported.
 */
export async function measure(server: Server, scenario: Scenario, shape = STANDARD): Promise<Measured> {
  const headers = scenario.conditional
    ? { ...scenario.headers, 'if-none-match': await currentEtag(server, scenario) }
    : scenario.headers
  const options: LoadOptions = {
    url: server.base + scenario.path,
    method: scenario.method,
    headers,
    body: scenario.body,
    connections: shape.connections,
    seconds: 1,
    uniqueIdempotencyKeys: scenario.uniqueIdempotencyKeys,
    // The warm-up walks back through the days and the measured run forward, so it meets none of the warm-up's answers.
    asOfWalk: scenario.uncached ? -1 : undefined
  }
  // Requests the load generator gave up on at the end of a run are still queued in the server (for the service: for a
  // pooled connection, as the readiness probe is); each run starts once they are done, so it measures only itself.
  const settled = () => fetch(server.base + server.readyPath).then(response => response.arrayBuffer())
  await load(options)
  await settled()
  const { result, rssMb } = await peakRssMb(
    server.pid,
    load({ ...options, seconds: shape.seconds, asOfWalk: scenario.uncached ? 1 : undefined })
  )
  await settled()
  const unexpected = Object.entries(result.statuses).filter(([status]) => Number(status) !== scenario.expect)
  if (unexpected.length > 0 || result.errors > 0) {
    throw new Error(
      `${scenario.name} on ${server.base}: expected only ${scenario.expect}, got ${JSON.stringify(result.statuses)} and ${result.errors} errors`
    )
  }
  return { ...result, rssMb }
}
