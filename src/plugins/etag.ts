import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** Does any entity tag in an If-None-Match header match? Weak comparison, as RFC 9110 asks for GET. */
export function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch === etag) return true // what a poller sends back: the tag as given
  if (ifNoneMatch.trim() === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return ifNoneMatch.split(',').some(tag => opaque(tag) === opaque(etag))
}

/** The strong entity tag of a representation's exact bytes. */
export const entityTagOf = (payload: string | Buffer) =>
  `"${createHash('sha256').update(payload).digest('base64url').slice(0, 32)}"`

/**
 * What a 304 must not carry (RFC 9110 §15.4.5: no representation metadata but what guides caches): a Content-Length
 * other than the 200's is forbidden outright (§8.6), and a proxy that relayed ours failed on the `Content-Length: 0`.
 * Everything else the 200 would carry stays, as §15.4.5 asks: ETag, Vary, Cache-Control and the rest.
 */
export const NOT_IN_304 = ['content-length', 'content-type', 'content-encoding', 'content-language']

/**
 * Every successful GET carries a strong ETag of its exact bytes (so the JSON and CSV forms differ) unless the route set
 * one,
 * and a matching If-None-Match gets 304 with no body: cheap polling for BI tools.
 */
export default fp(
  async function etag(app: FastifyInstance) {
    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return done(null, payload)
      if (reply.statusCode !== 200 || !(typeof payload === 'string' || Buffer.isBuffer(payload)))
        return done(null, payload)
      // A route that versions its resource sets its own tag, the one its updates check with If-Match.
      const tag = reply.getHeader('etag')?.toString() ?? entityTagOf(payload)
      reply.header('etag', tag)
      const ifNoneMatch = request.headers['if-none-match']
      if (ifNoneMatch === undefined || !matches(ifNoneMatch, tag)) return done(null, payload)
      reply.code(304)
      for (const header of NOT_IN_304) reply.removeHeader(header)
      // No payload at all: an empty one would make Fastify set `Content-Length: 0` again.
      done(null, null)
    })
  },
  { name: 'etag' }
)
