import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import type { CostWeightRow } from '../schemas/cost-weights.ts'

export async function ofPeriod(db: Db, periodId: number) {
  const rows = await db
    .selectFrom('cost_weights')
    .select(['municipality_code', 'weight', 'updated_at'])
    .where('period_id', '=', periodId)
    .orderBy('municipality_code')
    .execute()
  return rows.map(row => ({ ...row, updated_at: row.updated_at.toISOString() }))
}

/** Creates or replaces the weights, in the caller's transaction. */
export async function upsert(db: Db, periodId: number, rows: CostWeightRow[], apiKeyId: number): Promise<number> {
  const result = await db
    .insertInto('cost_weights')
    .values(rows.map(row => ({ period_id: periodId, ...row, updated_by_api_key_id: apiKeyId })))
    .onConflict(oc =>
      oc.columns(['period_id', 'municipality_code']).doUpdateSet({
        weight: eb => eb.ref('excluded.weight'),
        updated_at: sql`now()`,
        updated_by_api_key_id: eb => eb.ref('excluded.updated_by_api_key_id')
      })
    )
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/** The municipalities, in code order, that these codes leave out. */
export async function municipalitiesBesides(db: Db, codes: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('municipalities')
    .select('code')
    .where(sql<boolean>`code <> ALL(${codes}::text[])`)
    .orderBy('code')
    .execute()
  return rows.map(row => row.code)
}
