import type { FastifyInstance, FastifyRequest } from 'fastify'
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
const MUNICIPALITY_KEYS = 'x-municipality-keys'
const ACTS_FOR = Symbol('the municipalities a request acts for')

/**
 * The municipalities a request acts for (codes it names, or those of the records it touches), for keys issued to one.
 */
export type ActsFor = (request: FastifyRequest) => unknown | Promise<unknown>

/**
 * How an operation treats a key issued to one municipality, as the contract's `x-municipality-keys` says:
 * `any` (reads: the records are public), `own` (only for that municipality's own records) or `refused` (the
 * operation acts for the whole country: invoicing a year, register money, reference data, periods).
 */
export type MunicipalityKeys = 'any' | 'own' | 'refused'

/**
 * Declares the scope an operation needs, in its schema: the contract documents it and the authentication hook
 * enforces it from the same place, so the two cannot disagree. (OpenAPI 3.0 allows scopes in security requirements
 * only for OAuth2, hence the extension.) `actsFor` names the municipalities a request acts for, so a key issued to
 * one municipality acts for it alone; without it, a read is open to such keys and a write refuses them, so an
 * operation that forgets to say is closed, not open.
 */
export function requireScope(scope: Scope, actsFor?: ActsFor) {
  const municipalityKeys: MunicipalityKeys = actsFor !== undefined ? 'own' : scope === 'read' ? 'any' : 'refused'
  return {
    security: [{ bearerAuth: [] }],
    [SCOPES_KEY]: [scope],
    [MUNICIPALITY_KEYS]: municipalityKeys,
    ...(actsFor !== undefined && { [ACTS_FOR]: actsFor })
  }
}

const municipalityKeysOf = (request: FastifyRequest) =>
  (request.routeOptions.schema as Record<string, unknown> | undefined)?.[MUNICIPALITY_KEYS] as
    | MunicipalityKeys
    | undefined

/** The municipality codes among whatever an `ActsFor` returned: one code, a list (an import's rows), or nothing. */
const codesIn = (found: unknown): string[] => [found].flat().filter((code): code is string => typeof code === 'string')

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 9110 §11.1). */
export const bearerToken = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1]

/** The key of a request to an operation that needs a scope other than read, which no request reaches without one. */
export function keyOf(request: FastifyRequest): ActiveKey {
  if (request.apiKey === null) throw new Error(`${request.routeOptions.url} must require a scope beyond read`)
  return request.apiKey
}

/** The scope an operation declares with requireScope, if any. */
export const requiredScopeOf = (request: FastifyRequest) =>
  ((request.routeOptions.schema as Record<string, unknown> | undefined)?.[SCOPES_KEY] as Scope[] | undefined)?.[0]

export default fp(
  async function auth(app: FastifyInstance, options: { publicRead: boolean }) {
    app.decorateRequest('apiKey', null)

    // Every active key is held in memory while the change notifications arrive (db/changes.ts): a request's key costs
    // no round trip, and a revoked key is refused within milliseconds of its revocation, wherever it was revoked. Keys
    // are few (one or two per client), so all of them fit. A token not held is asked of the database, so a key is usable
    // the moment it is made; those requests count with their address's unknown tokens in the rate limit. Without
    // notifications, every request asks the database.
    let activeKeys: Promise<Map<string, ActiveKey>> | undefined
    // The same map once loaded, so that a request whose key is held is checked without waiting on a promise.
    let heldKeys: Map<string, ActiveKey> | undefined
    app.changes.subscribe(change => {
      if (change === 'data') return
      activeKeys = undefined
      heldKeys = undefined
    })
    const loadActiveKeys = () => {
      const loading = apiKeys.allActive(app.db)
      loading.then(
        keys => {
          if (activeKeys === loading) heldKeys = keys
        },
        () => {
          if (activeKeys === loading) activeKeys = undefined
        }
      )
      return loading
    }
    const findActive = async (token: string) => {
      if (!app.changes.listening) return apiKeys.findActive(app.db, token)
      activeKeys ??= loadActiveKeys()
      const known = (await activeKeys).get(apiKeys.tokenHashKey(token))
      return known ?? apiKeys.findActive(app.db, token)
    }
    const held = (token: string) => (app.changes.listening ? heldKeys?.get(apiKeys.tokenHashKey(token)) : undefined)

    const challenge = { 'www-authenticate': 'Bearer realm="joint-financing"' }
    /** Why the key may not make the request, if it may not; else the request is its. */
    const refusal = (request: FastifyRequest, required: Scope, key: ActiveKey | undefined) => {
      if (key === undefined) return problem(401, 'The API key is unknown or has been revoked.', { headers: challenge })
      request.apiKey = key
      if (!key.scopes.includes(required)) {
        return problem(
          403,
          `This operation needs the scope "${required}"; the key "${key.name}" has ${key.scopes.map(s => `"${s}"`).join(', ')}.`
        )
      }
      if (key.municipality_code !== null && municipalityKeysOf(request) === 'refused') {
        return problem(
          403,
          `The key "${key.name}" is issued to municipality ${key.municipality_code}, and this operation acts for the whole country.`
        )
      }
      return undefined
    }

    // A callback, not a promise: a held key (every key, while the notifications arrive) is checked at once, which a
    // read served from memory notices.
    app.addHook('onRequest', (request, _reply, done) => {
      const required = requiredScopeOf(request)
      if (required === undefined) return done()
      const token = bearerToken(request.headers.authorization)
      if (required === 'read' && options.publicRead && token === undefined) return done()
      if (token === undefined) {
        return done(
          problem(401, 'This operation needs an API key, sent as "Authorization: Bearer <token>".', {
            headers: challenge
          })
        )
      }
      const key = held(token)
      if (key !== undefined) return done(refusal(request, required, key))
      findActive(token).then(found => done(refusal(request, required, found)), done)
    })

    // After validation, so the body is there to say whom the request acts for.
    app.addHook('preHandler', async request => {
      const issuedTo = request.apiKey?.municipality_code ?? null
      if (issuedTo === null || municipalityKeysOf(request) !== 'own') return
      const schema = request.routeOptions.schema as Record<symbol, ActsFor>
      const name = request.apiKey!.name
      const others = [...new Set(codesIn(await schema[ACTS_FOR]!(request)))].filter(code => code !== issuedTo)
      if (others.length > 0) {
        throw problem(
          403,
          `The key "${name}" acts for municipality ${issuedTo} only; this request acts for ${others.slice(0, 10).join(', ')}${others.length > 10 ? ', …' : ''}.`
        )
      }
    })
  },
  { name: 'auth', dependencies: ['database', 'changes'] }
)
