import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface Deprecation {
  /** The day the operation was deprecated, YYYY-MM-DD. */
  since: string
  /** The day after which it may answer 410 Gone; at least six months after `since` (openapi/README.md). */
  sunset: string
  /** The operation that replaces it, as a URL path, when there is one. */
  successor?: string
}

/**
 * Schema keywords that retire an operation: `schema: { ...deprecated({ since, sunset }), ... }`. The contract then
 * marks it deprecated with its dates, and every answer says so (plugin below), from the same declaration.
 */
export function deprecated({ since, sunset, successor }: Deprecation) {
  return {
    deprecated: true,
    'x-deprecated-since': since,
    'x-sunset': sunset,
    ...(successor !== undefined && { 'x-successor': successor })
  }
}

/**
 * RFC 9745 `Deprecation` (a Unix time) and RFC 8594 `Sunset` (an HTTP date) on every answer of a deprecated operation.
 */
export default fp(
  async function deprecation(app: FastifyInstance) {
    app.addHook('onSend', (request, reply, payload, done) => {
      const schema = request.routeOptions.schema as Record<string, unknown> | undefined
      if (schema?.deprecated !== true) return done(null, payload)
      reply.header('deprecation', `@${Date.parse(String(schema['x-deprecated-since'])) / 1000}`)
      reply.header('sunset', new Date(String(schema['x-sunset'])).toUTCString())
      // Beside a list's page links, not instead of them.
      if (schema['x-successor'] !== undefined) {
        const successor = `<${String(schema['x-successor'])}>; rel="successor-version"`
        const pages = reply.getHeader('link')
        reply.header('link', pages === undefined ? successor : `${String(pages)}, ${successor}`)
      }
      done(null, payload)
    })
  },
  { name: 'deprecation' }
)
