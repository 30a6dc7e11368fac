import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import * as apiKeys from '../db/api-keys.ts'
import type { ActiveKey, Scope } from '../db/api-keys.ts'
import { problem } from './problems.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The key that made this request; set on every operation that requires a scope. */
    apiKey: ActiveKey | null
  }
}

const SCOPES_KEY = 'x-required-scopes'

/**
 * Declares the scope an operation needs, in its schema: the contract documents it and the
 * authentication hook enforces it from the same place, so the two cannot disagree.
 * (OpenAPI 3.0 allows scopes in security requirements only for OAuth2, hence the extension.)
 */
export function requireScope (scope: Scope) {
  return {
    security: [{ bearerAuth: [] }],
    [SCOPES_KEY]: [scope]
  }
}

const bearerToken = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1]

export default fp(async function auth (app: FastifyInstance, options: { publicRead: boolean }) {
  app.decorateRequest('apiKey', null)

  app.addHook('onRequest', async (request) => {
    const scope = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[SCOPES_KEY] as Scope[] | undefined
    const required = scope?.[0]
    if (required === undefined) return
    const token = bearerToken(request.headers.authorization)
    if (required === 'read' && options.publicRead && token === undefined) return

    const challenge = { 'www-authenticate': 'Bearer realm="joint-financing"' }
    if (token === undefined) throw problem(401, 'This operation needs an API key, sent as "Authorization: Bearer <token>".', { headers: challenge })
    const key = await apiKeys.findActive(app.db, token)
    if (key === undefined) throw problem(401, 'The API key is unknown or has been revoked.', { headers: challenge })
    if (!key.scopes.includes(required)) {
      throw problem(403, `This operation needs the scope "${required}"; the key "${key.name}" has ${key.scopes.map(s => `"${s}"`).join(', ')}.`)
    }
    request.apiKey = key
  })
}, { name: 'auth', dependencies: ['database'] })
