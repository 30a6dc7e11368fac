import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { poolOf } from '../db/connection.ts'
import { bearerToken } from './auth.ts'
import { problem } from './problems.ts'

/**
 * Prometheus metrics at /metrics: requests by route pattern (never the raw URL, so the series stay few) and
 * status, their latency, the connection pool, and the process's own (memory, CPU, event-loop lag). Open on the
 * deployment's network by default; with a token, only a scraper sending `Authorization: Bearer <token>` gets them.
 */
export default fp(
  async function metrics(app: FastifyInstance, options: { token?: string }) {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'Requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry]
    })
    const latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request to answer, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry]
    })
    const pool = poolOf(app.db)
    const poolGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read())
        }
      })
    poolGauge('db_pool_connections', 'Connections the pool holds to PostgreSQL.', () => pool?.totalCount ?? 0)
    poolGauge('db_pool_idle_connections', 'Connections idle in the pool.', () => pool?.idleCount ?? 0)
    poolGauge('db_pool_waiting_requests', 'Queries waiting for a connection.', () => pool?.waitingCount ?? 0)

    // Each series' handle, found once: prom-client hashes the labels on every call otherwise, which cost a read served
    // from memory a tenth of its CPU. Route patterns, methods and statuses are few, so the handles are too.
    const series = new Map<
      string,
      { answered: ReturnType<typeof requests.labels>; took: ReturnType<typeof latency.labels> }
    >()
    const seriesOf = (method: string, route: string, status: number) => {
      const name = `${method} ${status} ${route}`
      let found = series.get(name)
      if (found === undefined) {
        found = { answered: requests.labels({ method, route, status }), took: latency.labels({ method, route }) }
        series.set(name, found)
      }
      return found
    }
    app.addHook('onResponse', (request, reply, done) => {
      const { answered, took } = seriesOf(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode)
      answered.inc()
      took.observe(reply.elapsedTime / 1000)
      done()
    })

    const expected = options.token === undefined ? undefined : Buffer.from(options.token)
    // Never shed (plugins/protection.ts): an overload is exactly when the numbers are wanted.
    app.get(
      '/metrics',
      { schema: { hide: true }, config: { pressureHandler: () => undefined } },
      async (request, reply) => {
        // The scheme is case-insensitive, as for the API (plugins/auth.ts); the token is compared in constant time.
        const given = Buffer.from(bearerToken(request.headers.authorization) ?? '')
        if (expected !== undefined && (given.length !== expected.length || !timingSafeEqual(given, expected))) {
          throw problem(401, 'The metrics need the scraper\'s token, sent as "Authorization: Bearer <token>".')
        }
        return reply.type(registry.contentType).send(await registry.metrics())
      }
    )
  },
  { name: 'metrics', dependencies: ['database'] }
)
