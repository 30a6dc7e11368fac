import { sql } from 'kysely'

/**
 * The reference data's version (migrations/0013, 0014): a new UUID on every statement that changes counties,
 * municipalities, population figures or recommendation periods, never on a decision. A report's statements select it,
 * so that what reports keep of that data is used only for exactly what the statement's own snapshot sees.
 */
export const referenceDataVersion = sql<string | null>`(SELECT version::text FROM reference_data_version)`
