import { sql } from 'kysely'
import { together } from '../db/together.ts'
import { recordWrites, type WriteRecord } from './record-writes.ts'

/**
 * The change of a single-statement write (write.ts, `WriteOptions.single`): one row inserted into a table. A row may
 * bring a value of an identity column reserved before (a decision's id, which its answer shows).
 */
export interface RowInsert {
  into: string
  row: Record<string, unknown>
}

/** One single-statement write: its change and its record. */
export interface SingleWrite {
  change: RowInsert
  record: WriteRecord
}

/**
 * Commits a single write, together with those that arrive while another statement of writes is in flight: group
 * commit (db/together.ts), as durable as each alone. Besides the commit they share one insert per table and one call
 * recording them all, so the statement triggers (the latest decisions, the data version) fire once for the group: they
 * cost PostgreSQL more than the rows themselves. Every write keeps its own answer and record.
 */
export const commitTogether = together(async (db, writes: SingleWrite[]) => {
  const tables = Map.groupBy(
    writes.map(write => write.change),
    change => change.into
  )
  const inserts = [...tables].map(([table, changes], i) => sql`${sql.id(`change_${i}`)} AS (${insert(table, changes)})`)
  await sql`WITH ${sql.join(inserts)} SELECT ${recordWrites(writes.map(write => write.record))}`.execute(db)
  return writes.map(() => undefined)
})

/** One multi-row insert (Kysely's has no OVERRIDING SYSTEM VALUE); a column a row leaves out takes its default. */
function insert(table: string, changes: RowInsert[]) {
  const columns = [...new Set(changes.flatMap(change => Object.keys(change.row)))]
  const values = changes.map(
    ({ row }) => sql`(${sql.join(columns.map(column => (column in row ? row[column] : sql`DEFAULT`)))})`
  )
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map(column => sql.ref(column)))})
    OVERRIDING SYSTEM VALUE VALUES ${sql.join(values)}`
}
