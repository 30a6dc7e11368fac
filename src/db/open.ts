import type { Config } from '../config.ts'
import { connect, type Db } from './connection.ts'
import { startEmbedded, type EmbeddedOptions } from './embedded.ts'

export interface OpenDatabase {
  db: Db
  /** The replica in READ_REPLICA_URL for report reads, else `db`. */
  reportDb: Db
  /** Where the data lives, for the start-up log line; never includes a password. */
  description: string
  close(): Promise<void>
}

/**
 * The configured server, or the embedded one under DATA_DIR when DATABASE_URL is not set (`embedded` says how it is
 * supervised).
 */
export async function openDatabase(
  config: Config,
  embedded: Omit<EmbeddedOptions, 'port'> = {}
): Promise<OpenDatabase> {
  if (config.databaseUrl !== undefined) {
    const db = connect(config.databaseUrl)
    if (config.readReplicaUrl === undefined)
      return { db, reportDb: db, description: `PostgreSQL at ${redact(config.databaseUrl)}`, close: () => db.destroy() }
    const reportDb = connect(config.readReplicaUrl)
    return {
      db,
      reportDb,
      description: `PostgreSQL at ${redact(config.databaseUrl)}, reports from ${redact(config.readReplicaUrl)}`,
      close: async () => {
        await Promise.all([db.destroy(), reportDb.destroy()])
      }
    }
  }
  const server = await startEmbedded(config.dataDir, embedded)
  const db = connect(server.url)
  return {
    db,
    reportDb: db,
    description: `embedded PostgreSQL with data in ${config.dataDir}`,
    close: async () => {
      await db.destroy()
      await server.stop()
    }
  }
}

function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString)
    url.password = url.password ? '***' : ''
    return url.toString()
  } catch {
    return '(unparsable DATABASE_URL)'
  }
}
