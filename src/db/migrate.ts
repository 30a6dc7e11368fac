import { readdir, readFile } from 'node:fs/promises'
import { sql } from 'kysely'
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration'
import type { Db } from './connection.ts'

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url)

/** Each migrations/NNNN_name.sql file is one migration, run as a single multi-statement query. */
const sqlFileProvider: MigrationProvider = {
  async getMigrations() {
    const migrations: Record<string, Migration> = {}
    for (const file of (await readdir(MIGRATIONS_DIR)).filter(f => f.endsWith('.sql')).sort()) {
      const text = await readFile(new URL(file, MIGRATIONS_DIR), 'utf8')
      migrations[file.replace(/\.sql$/, '')] = {
        up: async db => {
          await sql.raw(text).execute(db)
        }
      }
    }
    return migrations
  }
}

/**
 * Brings the schema up to date. Kysely's Migrator takes a PostgreSQL advisory lock around the run,
 * so several instances starting at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: sqlFileProvider })
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
  if (error !== undefined) throw error
  const applied = (results ?? []).map(r => r.migrationName)
  // A schema change can change answers without touching a row: the instances' caches must hear of it.
  if (applied.length > 0) await sql`SELECT note_data_change()`.execute(db)
  return applied
}
