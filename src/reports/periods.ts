import { LRUCache } from 'lru-cache'
import type { Db } from '../db/connection.ts'
import * as periods from '../queries/recommendation-periods.ts'
import type { RecommendationPeriod } from '../schemas/recommendation-periods.ts'

export interface VersionedPeriod {
  /** The reference data's version the period was read at (queries/reference-data-version.ts). */
  version: string
  period: RecommendationPeriod
}

/**
 * The periods reports are on, each as last read with its version: a report takes it as a guess and uses it only if
 * its decisions' statement sees the same version (participation.ts). Keyed by id alone, so two databases in one
 * process (tests) may take turns replacing each other's guess: a wasted read, never a wrong answer. Shared: never
 * changed.
 */
const kept = new LRUCache<number, VersionedPeriod>({ max: 16 })

export const keptPeriod = (id: number): VersionedPeriod | undefined => kept.get(id)

/** Reads the period with its version, and keeps it; a 404 problem if there is none. */
export async function readPeriod(
  db: Db,
  id: number
): Promise<{ version: string | null; period: RecommendationPeriod }> {
  const read = await periods.findOrFailWithVersion(db, id)
  if (read.version !== null) kept.set(id, { version: read.version, period: read.period })
  return read
}
