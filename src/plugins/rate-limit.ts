import rateLimitPlugin, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { tokenHashKey } from '../db/api-keys.ts'
import { bearerToken, requiredScopeOf } from './auth.ts'
import { problem } from './problems.ts'

const WINDOW_MS = 60_000
/** A client may poll (conditional GETs answered 304, which cost it nothing) ten times as often as it asks. */
const POLLS_PER_REQUEST = 10
/** Tokens remembered as valid, for choosing a request's count before its key is looked up; oldest forgotten first. */
const KNOWN_TOKENS = 10_000

const isProbe = (request: FastifyRequest) => request.url.startsWith('/health/') || request.url === '/metrics'

/**
 * Requests per minute per API key, per client address without one (anonymous reads, api-info, the docs), and per
 * address for tokens not yet known to be valid here, so a caller cannot buy a fresh count with a made-up token
 * (and a flood of them does not take the count of the address's anonymous readers). The count and its store are
 * @fastify/rate-limit's; this plugin only decides when a request counts:
 * - before any work, the key's database look-up included, so refused and unauthorised requests count too;
 * - a conditional GET (If-None-Match) counts against the limit only when it is not answered 304, the poll that
 *   found nothing new, which we want clients to make. Polls count at once against an allowance of their own, ten
 *   times the limit, so a flood of them (all in flight before any is answered) is still bounded.
 * The deployment probes are never limited. Counts live in this process: with N instances, each counts its own share.
 */
export default fp(
  async function rateLimit(app: FastifyInstance, options: { perMinute: number }) {
    const limit = options.perMinute
    // Key ids of tokens that authenticated here lately, by token hash: only these get a count of their own.
    const knownTokens = new Map<string, number>()
    const tokenHashOf = (request: FastifyRequest) => {
      const token = bearerToken(request.headers.authorization)
      return token === undefined ? undefined : tokenHashKey(token)
    }
    const clientOf = (request: FastifyRequest) => {
      const hash = tokenHashOf(request)
      if (hash === undefined) return `address ${normalizeIP(request.ip)}`
      const keyId = knownTokens.get(hash)
      return keyId === undefined ? `unknown tokens from ${normalizeIP(request.ip)}` : `key ${keyId}`
    }

    await app.register(rateLimitPlugin, { global: false, max: limit, timeWindow: WINDOW_MS, keyGenerator: clientOf })
    const limiter = app.createRateLimit()
    const polls = app.createRateLimit({
      max: POLLS_PER_REQUEST * limit,
      keyGenerator: request => `polls of ${clientOf(request)}`
    })
    const pollsExceeded = async (request: FastifyRequest) => {
      const counted = await polls(request)
      return !counted.isAllowed && counted.isExceeded
    }
    const isPoll = (request: FastifyRequest) =>
      request.method === 'GET' && request.headers['if-none-match'] !== undefined
    const countedAtOnce = new WeakSet<FastifyRequest>()
    const countsWhenAnswered = (request: FastifyRequest, status: number) =>
      !countedAtOnce.has(request) && status !== 304 && status !== 429

    app.addHook('onRequest', async (request, reply) => {
      if (isProbe(request)) return
      const poll = isPoll(request)
      const state = await limiter(request, { increment: !poll })
      if (!poll) countedAtOnce.add(request)
      if (state.isAllowed) return
      if (poll ? state.remaining === 0 || (await pollsExceeded(request)) : state.isExceeded) {
        reply
          .header('ratelimit-limit', limit)
          .header('ratelimit-remaining', 0)
          .header('ratelimit-reset', state.ttlInSeconds)
        throw problem(429, `More than ${limit} requests in a minute; try again in ${state.ttlInSeconds} s.`, {
          headers: { 'retry-after': String(state.ttlInSeconds) }
        })
      }
    })

    // Past auth's check (every onRequest hook has run): the token is valid, and has a count of its own from now on.
    // This request was counted as an unknown token's; it is the key's first too.
    app.addHook('preParsing', async request => {
      const hash = tokenHashOf(request)
      const key = request.apiKey ?? null
      if (hash === undefined || key === null || knownTokens.get(hash) === key.id) return
      if (knownTokens.size >= KNOWN_TOKENS) knownTokens.delete(knownTokens.keys().next().value!)
      knownTokens.set(hash, key.id)
      if (countedAtOnce.has(request)) await limiter(request)
    })

    app.addHook('onSend', async (request, reply) => {
      if (isProbe(request) || reply.statusCode === 429) return
      // Auth refused the token (unknown or revoked): it counts with the address's unknown tokens again.
      const hash = tokenHashOf(request)
      if (hash !== undefined && requiredScopeOf(request) !== undefined && (request.apiKey ?? null) === null)
        knownTokens.delete(hash)
      const state = await limiter(request, { increment: false })
      if (state.isAllowed) return
      const remaining = state.remaining - (countsWhenAnswered(request, reply.statusCode) ? 1 : 0)
      reply
        .header('ratelimit-limit', limit)
        .header('ratelimit-remaining', Math.max(0, remaining))
        .header('ratelimit-reset', state.ttl > 0 ? state.ttlInSeconds : WINDOW_MS / 1000)
    })

    app.addHook('onResponse', async (request, reply) => {
      if (!isProbe(request) && countsWhenAnswered(request, reply.statusCode)) await limiter(request)
    })
  },
  { name: 'rate-limit' }
)
