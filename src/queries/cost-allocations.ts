import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import type { CostAllocation, CostAllocationInput } from '../schemas/cost-allocations.ts'

/**
 * Records a new version, in the caller's transaction. Two concurrent recordings compute the same version number,
 * and the unique (municipality, period, version) makes the second a conflict rather than a silent overwrite.
 */
export async function insert(
  db: Db,
  municipalityCode: string,
  input: CostAllocationInput,
  apiKeyId: number
): Promise<void> {
  const { id } = await db
    .insertInto('cost_allocations')
    .values({
      municipality_code: municipalityCode,
      period_id: input.period_id,
      version: sql<number>`(SELECT coalesce(max(version), 0) + 1 FROM cost_allocations WHERE municipality_code = ${municipalityCode} AND period_id = ${input.period_id})`,
      recorded_by_api_key_id: apiKeyId
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('cost_allocation_areas')
    .values(
      input.areas.map((a, position) => ({
        allocation_id: id,
        position,
        area: a.area,
        committee: a.committee ?? null,
        percent: a.percent
      }))
    )
    .execute()
}

/** The latest allocation of each period (or of one), for a municipality. */
export async function latest(db: Db, municipalityCode: string, periodId?: number): Promise<CostAllocation[]> {
  let query = db
    .selectFrom('cost_allocations as a')
    .select(['a.id', 'a.municipality_code', 'a.period_id', 'a.version', 'a.recorded_at'])
    .distinctOn('a.period_id')
    .where('a.municipality_code', '=', municipalityCode)
    .orderBy('a.period_id')
    .orderBy('a.version', 'desc')
  if (periodId !== undefined) query = query.where('a.period_id', '=', periodId)
  const allocations = await query.execute()
  if (allocations.length === 0) return []
  const areas = await db
    .selectFrom('cost_allocation_areas')
    .select(['allocation_id', 'area', 'committee', 'percent'])
    .where(
      'allocation_id',
      'in',
      allocations.map(a => a.id)
    )
    .orderBy('allocation_id')
    .orderBy('position')
    .execute()
  return allocations.map(({ id, recorded_at, ...a }) => ({
    ...a,
    recorded_at: recorded_at.toISOString(),
    areas: areas.filter(area => area.allocation_id === id).map(({ allocation_id: _, ...area }) => area)
  }))
}
