/**
 * One load run in its own process, so the load generator never shares an event loop with what it measures:
 * `node bench/load.ts '<LoadOptions as JSON>'` prints the figures as JSON on stdout.
 */
import autocannon from 'autocannon'

export interface LoadOptions {
  url: string
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
  connections: number
  seconds: number
  /** Give every request its own Idempotency-Key (new writes) instead of repeating the one in `headers` (replays). */
  uniqueIdempotencyKeys?: boolean
}

export interface LoadFigures {
  requestsPerSecond: number
  p50: number
  p99: number
  total: number
  /** Responses by status code, to check that the run measured the answer it meant to. */
  statuses: Record<string, number>
  errors: number
}

const options = JSON.parse(process.argv[2]!) as LoadOptions
const run = `${process.pid}-${Date.now()}`
let sent = 0
const result = await autocannon({
  url: options.url,
  method: options.method,
  headers: options.headers,
  body: options.body,
  connections: options.connections,
  duration: options.seconds,
  // At 10,000 municipalities a report waits seconds in the queue; a request counts as lost only after 30 s.
  timeout: 30,
  requests: options.uniqueIdempotencyKeys
    ? [
        {
          setupRequest: request => ({
            ...request,
            headers: { ...request.headers, 'idempotency-key': `bench-${run}-${sent++}` }
          })
        }
      ]
    : undefined
})
const figures: LoadFigures = {
  requestsPerSecond: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  total: result.requests.total,
  statuses: Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, Number(stats?.count ?? 0)])
  ),
  errors: result.errors + result.timeouts
}
process.stdout.write(JSON.stringify(figures))
