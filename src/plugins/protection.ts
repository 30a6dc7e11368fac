import type { IncomingMessage, ServerResponse } from 'node:http'
import cors from '@fastify/cors'
import helmet from 'helmet'
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface ProtectionOptions {
  /** Origins allowed to call from a browser; none switches CORS off. */
  corsOrigins: readonly string[]
  /** Event-loop delay in ms above which requests are shed with 503; 0: never. */
  maxEventLoopDelayMs: number
  /** Heap in bytes above which requests are shed with 503; 0: never. */
  maxHeapUsedBytes: number
}

/** Seconds a shed client should wait: long enough for a burst to pass, short enough not to lose it. */
export const SHED_RETRY_AFTER_SECONDS = 5
/** How often the event-loop delay and the heap are sampled. */
export const SAMPLE_INTERVAL_MS = 1000
const shed = Object.assign(new Error('Service Unavailable'), { statusCode: 503 })

/**
 * What every answer of the API (JSON, CSV, the map's SVG and PNG, problems) asks of browsers, after OWASP's REST
 * Security Cheat Sheet: nothing in it may run or load anything, it is never framed nor sniffed for another type, the
 * host is HTTPS only, and no referrer leaves it. Helmet's defaults are for HTML pages (script and style sources,
 * cross-origin isolation, legacy switches), and the docs page is the only one; on every answer they were 12 headers
 * and 1 kB, more than a 304's own. A route may still set its own policy (the map's SVG allows its inline style).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer'
})

/** The docs page and its assets: an HTML page, which gets helmet's defaults. */
const isDocsPage = (url: string) => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?')

/**
 * Helmet's default headers for the docs page, worked out once: its middleware would set each through Node's validating
 * `setHeader` on every answer, while as Fastify headers they are written with the answer's own.
 */
function docsPageHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()]
    }
  }
  let finished = false
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, () => {
    finished = true
  })
  // Helmet's defaults are synchronous and need nothing of the request; a version that changed that must not pass unseen.
  if (!finished || Object.keys(headers).length === 0) throw new Error('helmet did not set its headers synchronously')
  return Object.freeze(headers)
}

/**
 * The service's edge: browser security headers on every answer (the API's, and helmet's defaults on the docs page),
 * CORS only for configured origins, and load shedding: past the thresholds, requests get a 503 problem with
 * Retry-After at once instead of queueing until they time out. Liveness is never shed (a busy process is not a
 * dead one); readiness is, so the load balancer sends traffic elsewhere.
 */
export default fp(
  async function protection(app: FastifyInstance, options: ProtectionOptions) {
    const docsPage = docsPageHeaders()
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(isDocsPage(request.url) ? docsPage : API_SECURITY_HEADERS)
      done()
    })
    if (options.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: [...options.corsOrigins],
        methods: ['GET', 'POST', 'PUT'],
        allowedHeaders: [
          'Authorization',
          'Content-Type',
          'Idempotency-Key',
          'If-Match',
          'If-None-Match',
          'X-Request-Id'
        ],
        exposedHeaders: [
          'API-Version',
          'ETag',
          'Link',
          'Location',
          'Idempotent-Replayed',
          'RateLimit-Limit',
          'RateLimit-Remaining',
          'RateLimit-Reset',
          'Retry-After',
          'X-Request-Id'
        ],
        maxAge: 600
      })
    }
    // A start compiles every route's schemas in one long synchronous stretch, which the first samples of the event-loop
    // delay measure as if it were load: the delay sheds nothing until two samples after the service is ready.
    let startedAt = Infinity
    app.addHook('onReady', async () => {
      startedAt = Date.now()
    })
    await app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      maxHeapUsedBytes: options.maxHeapUsedBytes,
      sampleInterval: SAMPLE_INTERVAL_MS,
      pressureHandler: async (_request, reply, type) => {
        if (type === 'eventLoopDelay' && Date.now() - startedAt < 2 * SAMPLE_INTERVAL_MS) return
        reply.header('retry-after', SHED_RETRY_AFTER_SECONDS)
        throw shed
      }
    })
  },
  { name: 'protection', dependencies: ['problems'] }
)
