import { sql } from 'kysely'
import pg from 'pg'
import type { Db } from './connection.ts'

/** What changed: the data (reports), the API keys, or anything at all (the connection was lost, so changes may have been missed). */
export type Change = 'data' | 'keys' | 'all'

const CHANNELS = { data_changed: 'data', api_keys_changed: 'keys' } as const
const RETRY_MS = { first: 100, most: 5000 }
/**
 * A connection can die without a word (a firewall forgetting it, a host gone), and TCP keepalive takes minutes to
 * notice: the listener asks its server something this often, and takes no answer within as long for a loss.
 */
export const HEARTBEAT_MS = 5000
/** How the listening connection names itself in pg_stat_activity, for operators (and tests) to find it. */
export const LISTENER_APPLICATION_NAME = 'joint-financing changes'

/**
 * What this instance knows of the database's changes: LISTEN on a connection of its own (not the pool's, and never
 * through a transaction-pooling PgBouncer, which cannot keep a LISTEN), for the notifications the data-version
 * triggers send at commit (migrations/0007_data_version.sql). Whatever is cached holds only while `listening`;
 * when the connection is lost, everything cached is dropped and the connection retried, since changes may have been
 * missed in between.
 */
export class Changes {
  /** Advanced on every change heard of or made here: a cached answer is only good for the generation it was made in. */
  generation = 0
  /** True while notifications arrive; until then, and after a loss, nothing may be served from memory. */
  listening = false
  /**
   * The writing transaction of the last change heard of (xid8, as text), to check that a replica has replayed it;
   * null after a change made here whose notification has not arrived yet, or before any.
   */
  lastTransaction: string | null = null

  private readonly subscribers = new Set<(change: Change) => void>()
  private client: pg.Client | undefined
  private retryMs = RETRY_MS.first
  private retry: NodeJS.Timeout | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private closed = false

  private readonly connection: pg.ClientConfig
  private readonly onError: (error: Error) => void

  constructor(connection: pg.ClientConfig, onError: (error: Error) => void = () => {}) {
    this.connection = connection
    this.onError = onError
  }

  /** Calls `subscriber` on every change, after the generation has advanced; returns how to stop. */
  subscribe(subscriber: (change: Change) => void): () => void {
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  /** A change committed here: this instance's own next read must see it, before the notification comes back. */
  madeHere(): void {
    this.lastTransaction = null
    this.advance('data')
  }

  /** Connects and listens; on failure, retries in the background (the service runs uncached meanwhile). */
  async start(): Promise<void> {
    const client = new pg.Client({ ...this.connection, keepAlive: true, application_name: LISTENER_APPLICATION_NAME })
    this.client = client
    client.on('notification', ({ channel, payload = '' }) => {
      const change = CHANNELS[channel as keyof typeof CHANNELS]
      // The payload is the data version, then the writing transaction's id.
      if (change === 'data') this.lastTransaction = payload.split(' ')[1] ?? null
      if (change !== undefined) this.advance(change)
    })
    const lost = (error?: Error) => {
      if (this.client !== client) return
      this.client = undefined
      this.listening = false
      clearInterval(this.heartbeat)
      // Changes committed until the LISTEN is back go unheard, so the last one heard no longer tells whether a
      // replica is current: nothing read from a replica is kept until the next change is heard.
      this.lastTransaction = null
      this.advance('all')
      client.end().catch(() => {})
      if (error !== undefined) this.onError(error)
      this.scheduleRetry()
    }
    client.on('error', lost)
    client.on('end', () => lost())
    try {
      await client.connect()
      await client.query(`LISTEN ${Object.keys(CHANNELS).join('; LISTEN ')}`)
    } catch (error) {
      lost(error as Error)
      return
    }
    if (this.client !== client) return
    this.retryMs = RETRY_MS.first
    this.heartbeat = setInterval(() => {
      const silent = setTimeout(() => lost(new Error('the change notifications stopped: no answer')), HEARTBEAT_MS)
      silent.unref()
      client.query('SELECT 1').then(
        () => clearTimeout(silent),
        error => {
          clearTimeout(silent)
          lost(error)
        }
      )
    }, HEARTBEAT_MS).unref()
    // Whatever happened before this moment was not heard: start from nothing.
    this.listening = true
    this.advance('all')
  }

  async stop(): Promise<void> {
    this.closed = true
    clearTimeout(this.retry)
    clearInterval(this.heartbeat)
    const client = this.client
    this.client = undefined
    this.listening = false
    await client?.end().catch(() => {})
  }

  private scheduleRetry() {
    if (this.closed) return
    this.retry = setTimeout(() => void this.start(), this.retryMs)
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.most)
  }

  private advance(change: Change) {
    this.generation++
    for (const subscriber of this.subscribers) subscriber(change)
  }
}

/** Has this database (a streaming replica) replayed the commit of that transaction (`lastTransaction`)? */
export async function hasReplayed(db: Db, transaction: string): Promise<boolean> {
  const { rows } = await sql<{ replayed: boolean }>`
    SELECT pg_visible_in_snapshot(${transaction}::xid8, pg_current_snapshot()) AS replayed`.execute(db)
  return rows[0]?.replayed === true
}
