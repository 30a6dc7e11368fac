import { LRUCache } from 'lru-cache'
import type { Db } from '../db/connection.ts'
import * as uptake from '../queries/uptake.ts'

/**
 * What reports read of the reference data (every municipality of a county, or of the country, with its population on
 * a date), kept per reference-data version (migrations/0013): it costs most of a report's SQL and changes only with
 * reference data, not with the decisions that change all day. A version names the same data in any database, so one
 * cache serves every database handle of the process. Sixteen copies: the country's for both
 * periods' population dates, and the counties asked for most. The copies are shared: never changed.
 */
const kept = new LRUCache<string, readonly uptake.MunicipalityWithPopulation[]>({ max: 16 })

const keyOf = (version: string, populationDate: string, county: string | undefined) =>
  `${version} ${populationDate} ${county ?? 'all'}`

/**
 * The municipalities (of a county, if given) with their populations on `populationDate`, as reference data of
 * `version` has them: a kept copy, else read, and kept under the version the reading saw.
 */
export async function keptMunicipalities(
  db: Db,
  version: string | null,
  populationDate: string,
  county?: string
): Promise<{ version: string | null; municipalities: readonly uptake.MunicipalityWithPopulation[] }> {
  const known = version === null ? undefined : kept.get(keyOf(version, populationDate, county))
  if (known !== undefined) return { version, municipalities: known }
  const read = await uptake.municipalitiesAt(db, populationDate, county)
  if (read.version !== null) kept.set(keyOf(read.version, populationDate, county), read.municipalities)
  return read
}
