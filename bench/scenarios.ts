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
  uniqueIdempotencyKeys?: boolean
  /** Rows one request writes, for a bulk import's rows per second. */
  rowsPerRequest?: number
  /** The peer's (Platformatic DB's) raw list of the rows this answer is made from. */
  peerPath?: string
}

export const IMPORT_ROWS = 100

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
  return [
    {
      name: 'municipality list',
      method: 'GET',
      path: '/v1/municipalities?limit=500',
      headers: read,
      expect: 200,
      peerPath: '/municipalities?limit=500'
    },
    {
      name: 'municipality list, If-None-Match',
      method: 'GET',
      path: '/v1/municipalities?limit=500',
      headers: read,
      expect: 304,
      conditional: true
    },
    {
      name: 'uptake JSON',
      method: 'GET',
      path: `${period}/uptake`,
      headers: read,
      expect: 200,
      peerPath: decisionsOfPeriod
    },
    {
      name: 'uptake JSON, If-None-Match',
      method: 'GET',
      path: `${period}/uptake`,
      headers: read,
      expect: 304,
      conditional: true
    },
    {
      name: 'uptake CSV',
      method: 'GET',
      path: `${period}/uptake?format=csv`,
      headers: read,
      expect: 200,
      peerPath: decisionsOfPeriod
    },
    {
      name: 'uptake CSV, If-None-Match',
      method: 'GET',
      path: `${period}/uptake?format=csv`,
      headers: read,
      expect: 304,
      conditional: true
    },
    {
      name: 'participation',
      method: 'GET',
      path: `${period}/participation`,
      headers: read,
      expect: 200,
      peerPath: decisionsOfPeriod
    },
    { name: 'cost shares 2021', method: 'GET', path: `${period}/cost-shares/2021`, headers: read, expect: 200 },
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
