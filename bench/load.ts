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
  /**
   * Ask another day on every request, replacing the URL's `as_of`: the days from it on (1), or the days before it (-1,
   * the warm-up's), so that neither run meets an answer the other left in the service's cache.
   */
  asOfWalk?: 1 | -1
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
const DAY_MS = 86_400_000

/** What autocannon sends next; called once per request sent (and once per connection as it opens). */
function setupRequest(): ((request: autocannon.Request) => autocannon.Request) | undefined {
  if (options.uniqueIdempotencyKeys) {
    let sent = 0
    return request => ({ ...request, headers: { ...request.headers, 'idempotency-key': `bench-${run}-${sent++}` } })
  }
  const walk = options.asOfWalk
  if (walk !== undefined) {
    const from = Date.parse(`${new URL(options.url).searchParams.get('as_of')}T00:00:00Z`)
    if (Number.isNaN(from)) throw new Error(`asOfWalk needs an as_of in ${options.url}`)
    let walked = 0
    return request => {
      const day = new Date(from + (walk === 1 ? walked++ : -++walked) * DAY_MS).toISOString().slice(0, 10)
      return { ...request, path: request.path!.replace(/as_of=[^&]*/, `as_of=${day}`) }
    }
  }
  return undefined
}

const setup = setupRequest()
const result = await autocannon({
  url: options.url,
  method: options.method,
  headers: options.headers,
  body: options.body,
  connections: options.connections,
  duration: options.seconds,
  // At 10,000 municipalities a report waits seconds in the queue; a request counts as lost only after 30 s.
  timeout: 30,
  requests: setup === undefined ? undefined : [{ setupRequest: setup }]
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
