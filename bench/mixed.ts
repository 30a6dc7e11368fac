/**
 * Issue 20's mixed scenario, on the service only: a registrar records a decision every 100 ms while 50 BI clients
 * poll the uptake JSON with If-None-Match, each keeping its last ETag and body. Every poll that began after a write
 * was acknowledged must see that write or a later one, whether it got a 200 or a 304 for the body it remembers.
 *
 * So that an answer tells which write it reflects, the writes walk two municipalities of different counties through
 * four states, a Gray code: both adopted, A declined, both declined, B declined, both adopted again (one decision
 * each, received on the same day, the later id superseding: domain/participation.ts SUPERSEDING_ORDER). Each
 * county's adopted count then shows the state, and the state before a write differs from the state after it and
 * after the next one, so a stale answer is told from a newer one as long as the poll overlapped at most one more
 * write. Polls that overlapped more (over 200 ms long) are counted but cannot be judged.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { BenchKeys } from './database.ts'

export interface MixedFigures {
  seconds: number
  clients: number
  polls: number
  pollsPerSecond: number
  notModifiedShare: number
  p50: number
  p99: number
  /** The polls answered 200: the first read of each client after a write. */
  changedPolls: number
  changedP99: number
  writes: number
  writesPerSecond: number
  writeP99: number
  /** Polls begun after a write's acknowledgement whose answer did not reflect it (must be 0), of those judged. */
  stale: number
  judged: number
  unjudged: number
}

const WRITE_EVERY_MS = 100
const RECEIVED_ON = '2019-11-30' // after every seeded decision (bench/database.ts), within the first year to join
const TIMEOUT_MS = 30_000

interface Uptake {
  by_county: Array<{ county_code: string; municipalities: { adopted: number } }>
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!
const round = (ms: number) => Math.round(ms * 10) / 10

export async function mixed(
  base: string,
  options: { periodId: number; keys: BenchKeys; codes: string[]; seconds: number; clients?: number }
): Promise<MixedFigures> {
  const { periodId, keys, codes, seconds, clients = 50 } = options
  const [a, b] = [codes[0]!, codes.find(code => code.slice(0, 2) !== codes[0]!.slice(0, 2))!]
  const uptakeUrl = `${base}/v1/recommendation-periods/${periodId}/uptake`
  const read = { authorization: `Bearer ${keys.read}` }
  const run = `bench-mixed-${Date.now()}`
  let keyCount = 0
  const record = async (code: string, outcome: 'adopted' | 'declined') => {
    const response = await fetch(`${base}/v1/decisions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.registrar}`,
        'content-type': 'application/json',
        'idempotency-key': `${run}-${keyCount++}`
      },
      body: JSON.stringify({
        municipality_code: code,
        period_id: periodId,
        outcome,
        decided_on: RECEIVED_ON,
        decided_by: 'Kommunfullmäktige',
        received_on: RECEIVED_ON
      }),
      signal: AbortSignal.timeout(TIMEOUT_MS)
    })
    if (response.status !== 201)
      throw new Error(`mixed: a decision answered ${response.status}: ${await response.text()}`)
    await response.arrayBuffer()
  }

  // The starting state, both adopted, and each county's adopted count in it.
  await record(a, 'adopted')
  await record(b, 'adopted')
  const start = (await (await fetch(uptakeUrl, { headers: read })).json()) as Uptake
  const adoptedIn = (uptake: Uptake, code: string) =>
    uptake.by_county.find(c => c.county_code === code.slice(0, 2))?.municipalities.adopted ?? Number.NaN
  const [adoptedA, adoptedB] = [adoptedIn(start, a), adoptedIn(start, b)]
  /** An answer's state: bit 1 for A adopted, bit 0 for B. */
  const stateOf = (uptake: Uptake) => {
    const [countA, countB] = [adoptedIn(uptake, a), adoptedIn(uptake, b)]
    if (![adoptedA, adoptedA - 1].includes(countA) || ![adoptedB, adoptedB - 1].includes(countB))
      throw new Error(`mixed: adopted counts ${countA}, ${countB} are neither state of ${a} and ${b}`)
    return (countA === adoptedA ? 2 : 0) | (countB === adoptedB ? 1 : 0)
  }
  // Write k declines or adopts A (k even) or B (k odd); the states after writes 0, 1, 2, 3 repeat; before any, 3.
  const STATES = [1, 0, 2, 3]
  const stateAfter = (k: number) => (k < 0 ? 3 : STATES[k % 4]!)
  const OUTCOMES = ['declined', 'declined', 'adopted', 'adopted'] as const
  const writeOf = (k: number) => ({ code: k % 2 === 0 ? a : b, outcome: OUTCOMES[k % 4]! })

  let sent = -1 // the last write begun
  let acknowledged = -1 // the last write answered 201
  const writeMs: number[] = []
  const pollMs: number[] = []
  const changedMs: number[] = []
  let notModified = 0
  let stale = 0
  let judged = 0
  let unjudged = 0
  const end = performance.now() + seconds * 1000

  const registrar = async () => {
    for (let k = 0; performance.now() < end; k++) {
      const began = performance.now()
      sent = k
      const { code, outcome } = writeOf(k)
      await record(code, outcome)
      acknowledged = k
      writeMs.push(performance.now() - began)
      await sleep(Math.max(0, began + WRITE_EVERY_MS - performance.now()))
    }
  }

  const client = async () => {
    let etag: string | undefined
    let state = -1
    while (performance.now() < end) {
      const after = acknowledged
      const began = performance.now()
      const response = await fetch(uptakeUrl, {
        headers: etag === undefined ? read : { ...read, 'if-none-match': etag },
        signal: AbortSignal.timeout(TIMEOUT_MS)
      })
      if (response.status === 200) {
        state = stateOf((await response.json()) as Uptake)
        etag = response.headers.get('etag') ?? undefined
      } else if (response.status === 304) {
        await response.arrayBuffer()
        notModified++
      } else {
        throw new Error(`mixed: a poll answered ${response.status}: ${await response.text()}`)
      }
      const ms = performance.now() - began
      pollMs.push(ms)
      if (response.status === 200) changedMs.push(ms)
      // What the answer may reflect: the write last acknowledged when the poll began, or any begun before it ended.
      const latest = sent
      if (latest - after >= 3) {
        unjudged++
        continue
      }
      judged++
      const fresh = []
      for (let k = after; k <= latest; k++) fresh.push(stateAfter(k))
      if (!fresh.includes(state)) stale++
    }
  }

  const began = performance.now()
  await Promise.all([registrar(), ...Array.from({ length: clients }, client)])
  const elapsed = (performance.now() - began) / 1000
  for (const list of [pollMs, changedMs, writeMs]) list.sort((x, y) => x - y)
  return {
    seconds,
    clients,
    polls: pollMs.length,
    pollsPerSecond: pollMs.length / elapsed,
    notModifiedShare: notModified / pollMs.length,
    p50: round(percentile(pollMs, 50)),
    p99: round(percentile(pollMs, 99)),
    changedPolls: changedMs.length,
    changedP99: round(percentile(changedMs, 99)),
    writes: writeMs.length,
    writesPerSecond: writeMs.length / elapsed,
    writeP99: round(percentile(writeMs, 99)),
    stale,
    judged,
    unjudged
  }
}
