import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from './problems.ts'

const WINDOW_SECONDS = 60

/**
 * Requests per minute per API key, or per client address for requests without one (anonymous reads and
 * api-info). A fixed window, counted when the answer is known so that a 304 (the poll that found nothing new,
 * which we want clients to make) costs nothing. Counts live in this process: behind a load balancer each
 * instance enforces the limit on its own share of the traffic. The deployment probes are never limited.
 */
export default fp(async function rateLimit (app: FastifyInstance, options: { perMinute: number }) {
  const limit = options.perMinute
  let window = currentWindow()
  let counts = new Map<string, number>()

  const clientOf = (request: FastifyRequest) => request.apiKey === null ? `address ${request.ip}` : `key ${request.apiKey.id}`
  const isProbe = (request: FastifyRequest) => request.url.startsWith('/health/') || request.url === '/metrics'
  function used (client: string) {
    if (window !== currentWindow()) { window = currentWindow(); counts = new Map() }
    return counts.get(client) ?? 0
  }

  const counted = (request: FastifyRequest, status: number) => !isProbe(request) && status !== 304 && status !== 429
  const secondsToReset = () => (window + 1) * WINDOW_SECONDS - Math.floor(Date.now() / 1000)

  // Registered after auth, so this onRequest hook runs after auth's and the key is known.
  app.addHook('onRequest', async (request) => {
    if (!isProbe(request) && used(clientOf(request)) >= limit) {
      const reset = String(secondsToReset())
      throw problem(429, `More than ${limit} requests in a minute; try again in ${reset} s.`, { headers: { 'retry-after': reset } })
    }
  })

  app.addHook('onSend', async (request, reply) => {
    if (isProbe(request)) return
    const remaining = limit - used(clientOf(request)) - (counted(request, reply.statusCode) ? 1 : 0)
    reply.header('ratelimit-limit', limit).header('ratelimit-remaining', Math.max(0, remaining)).header('ratelimit-reset', secondsToReset())
  })

  app.addHook('onResponse', async (request, reply) => {
    if (!counted(request, reply.statusCode)) return
    const client = clientOf(request)
    counts.set(client, used(client) + 1)
  })
}, { name: 'rate-limit', dependencies: ['auth'] })

function currentWindow () {
  return Math.floor(Date.now() / 1000 / WINDOW_SECONDS)
}
