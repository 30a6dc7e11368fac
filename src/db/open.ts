import type { Config } from '../config.ts'
import { connect, type Db } from './connection.ts'
import { startEmbedded } from './embedded.ts'

export interface OpenDatabase {
  db: Db
  /** The replica in READ_REPLICA_URL for report reads, else `db`. */
  reportDb: Db
  /** Where the data lives, for the start-up log line; never includes a password. */
  description: string
  close (): Promise<void>
}

/** The configured server, or the embedded one under DATA_DIR when DATABASE_URL is not set. */
export async function openDatabase (config: Config, log: (line: string) => void = () => {}): Promise<OpenDatabase> {
  if (config.databaseUrl !== undefined) {
    const db = connect(config.databaseUrl)
    if (config.readReplicaUrl === undefined) return { db, reportDb: db, description: `PostgreSQL at ${redact(config.databaseUrl)}`, close: () => db.destroy() }
    const reportDb = connect(config.readReplicaUrl)
    return {
      db,
      reportDb,
      description: `PostgreSQL at ${redact(config.databaseUrl)}, reports from ${redact(config.readReplicaUrl)}`,
      close: async () => { await Promise.all([db.destroy(), reportDb.destroy()]) }
    }
  }
  const embedded = await startEmbedded(config.dataDir, log)
  const db = connect(embedded.url)
  return {
    db,
    reportDb: db,
    description: `embedded PostgreSQL with data in ${config.dataDir}`,
    close: async () => { await db.destroy(); await embedded.stop() }
  }
}

function redact (connectionString: string): string {
  try {
    const url = new URL(connectionString)
    url.password = url.password ? '***' : ''
    return url.toString()
  } catch {
    return '(unparsable DATABASE_URL)'
  }
}
