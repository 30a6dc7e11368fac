import type { BenchKeys } from './database.ts'

/** One kind of request users make, measured on the service and, where one exists, on each baseline. */
export interface Scenario {
  name: string
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
  /** The status every answer must have, or the run measured something else. */
  expect: number
  /** Sent with If-None-Match: the ETag of the answer, fetched first (a BI tool polling an unchanged picture). */
  conditional?: boolean
  /**
   * Every request asks another day's picture (load.ts walks the path's `as_of` a day per request): the read cache
   * keeps answers by URL and reports by as-of date, so no request can be served from memory, as the first read
   * after a write cannot. Not measured on the ceiling, which could only repeat one day's bytes.
   */
  uncached?: boolean
  uniqueIdempotencyKeys?: boolean
  /** Rows one request writes, for a bulk import's rows per second. */
  rowsPerRequest?: number
  /** The peer's (Platformatic DB's) raw list of the rows this answer is made from. */
  peerPath?: string
}

export const IMPORT_ROWS = 100
/**
 * Where the uncached reads' walk through the days begins (the warm-up walks back from the day before): after every
 * seeded and grown decision had arrived, so each read computes what the first read as of today computes after a
 * write, however its as-of date keeps it out of the cache.
 */
export const UNCACHED_FROM = '2020-01-01'
export const UNCACHED = 'uptake right after a change (uncached)'

export function scenarios(periodId: number, keys: BenchKeys, codes: string[]): Scenario[] {
  const read = { authorization: `Bearer ${keys.read}` }
  const period = `/v1/recommendation-periods/${periodId}`
  const decisionOf = (code: string) => ({
    municipality_code: code,
    period_case_number: '18/00295',
    outcome: 'adopted',
    decided_on: '2019-05-02',
    decided_by: 'Kommunfullmäktige',
    received_on: '2019-05-02'
  })
  const decision = JSON.stringify(decisionOf('0114'))
  const batch = JSON.stringify(codes.slice(0, IMPORT_ROWS).map(decisionOf))
  const write = { authorization: `Bearer ${keys.registrar}`, 'content-type': 'application/json' }
  const decisionsOfPeriod = `/decisions?where.periodId.eq=${periodId}&limit=1000`
  /** A cached read (a repeat, served from memory) and its If-None-Match twin (a 304 from memory). */
  const cachedRead = (name: string, path: string, peerPath?: string): Scenario[] => [
    { name, method: 'GET', path, headers: read, expect: 200, peerPath },
    { name: `${name}, If-None-Match`, method: 'GET', path, headers: read, expect: 304, conditional: true }
  ]
  return [
    ...cachedRead('municipality list', '/v1/municipalities?limit=500', '/municipalities?limit=500'),
    ...cachedRead('uptake JSON', `${period}/uptake`, decisionsOfPeriod),
    ...cachedRead('uptake CSV', `${period}/uptake?format=csv`, decisionsOfPeriod),
    ...cachedRead('participation', `${period}/participation`, decisionsOfPeriod),
    ...cachedRead('cost shares 2021', `${period}/cost-shares/2021`),
    ...cachedRead('uptake map', `${period}/uptake/map`),
    {
      name: UNCACHED,
      method: 'GET',
      path: `${period}/uptake?as_of=${UNCACHED_FROM}`,
      headers: read,
      expect: 200,
      uncached: true,
      peerPath: decisionsOfPeriod
    },
    // Writes last: they change the picture the reads above measured.
    {
      name: 'decision ingest, new keys',
      method: 'POST',
      path: '/v1/decisions',
      headers: write,
      body: decision,
      expect: 201,
      uniqueIdempotencyKeys: true
    },
    {
      name: `decision import, ${IMPORT_ROWS} per request`,
      method: 'POST',
      path: '/v1/decision-imports',
      headers: write,
      body: batch,
      expect: 201,
      uniqueIdempotencyKeys: true,
      rowsPerRequest: IMPORT_ROWS
    },
    {
      name: 'decision ingest, replays',
      method: 'POST',
      path: '/v1/decisions',
      headers: { ...write, 'idempotency-key': 'bench-replayed' },
      body: decision,
      expect: 201
    }
  ]
}
