import { sql } from 'kysely'
import { SUPERSEDING_ORDER } from '../domain/participation.ts'

/** The columns that say which decision supersedes which (domain/participation.ts), as a row: `(d.received_on, d.id)`. */
export const supersedingRow = (alias: string) =>
  sql.raw(`(${SUPERSEDING_ORDER.map(column => `${alias}.${column}`).join(', ')})`)

/** The same, as an ORDER BY that puts the decision in force first. */
export const supersedingFirst = (alias: string) =>
  sql.raw(SUPERSEDING_ORDER.map(column => `${alias}.${column} DESC`).join(', '))
