import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import { todayInSweden } from '../clock.ts'
import { hasReplayed } from '../db/changes.ts'
import { requiredScopeOf } from './auth.ts'
import { entityTagOf, matches, NOT_IN_304 } from './etag.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** False for a read whose answer changes without a data change (the event feed's horizon): never kept. */
    fromMemory?: boolean
  }
  interface FastifyInstance {
    readCache: {
      /**
       * A computed report, made once per data version and as-of date however many ask for it at once: `key` must
       * name everything the report depends on but the data (its kind, the period, the resolved as-of date).
       */
      memo<T>(key: string, compute: () => Promise<T>): Promise<T>
    }
  }
}

/**
 * Bytes of serialised answers kept; least recently used first out. Enough for every answer polled at 290
 * municipalities many times over (the largest, the map's PNG, is some 400 kB), and at 10,000 for the largest of all,
 * the cost shares of a year (4.4 MB). Kept bodies are Buffers outside V8's heap, which V8 frees only when their
 * owners are collected, often well after eviction: under the bench's uncached reads, Buffers peaked at 47 MB with
 * 32 MiB kept, and at 20 MB with 8 MiB.
 */
const BODY_BYTES = 8 * 1024 * 1024
/**
 * Computed reports kept (each a period's report as of one date): enough for the reports of today on both periods in
 * all their forms; at 10,000 municipalities one weighs about 6 MB, so a few more would cost more than they save.
 */
const REPORTS = 8
/** Longer URLs (or Accept headers) are answered but not cached: nobody polls them, and they would crowd out those who do. */
const MAX_CACHED_URL = 1024
const MAX_CACHED_ACCEPT = 256
/** What a cached answer repeats of its route's headers; the rest (request id, rate limit, …) is the request's own. */
const KEPT_HEADERS = ['content-type', 'content-disposition', 'content-security-policy', 'link', 'vary'] as const

interface CachedAnswer {
  body: Buffer
  etag: string
  headers: Record<string, string>
  /** What a 304 repeats of them (etag.ts). */
  notModified: Record<string, string>
}

/**
 * Answers from memory between changes. Every read (a GET of the read scope) is kept with its bytes and ETag, per data
 * generation (db/changes.ts) and Swedish date (an answer as of today changes at midnight without any write), and a
 * repeat is served from memory: with a matching If-None-Match, a 304 that touches no database. Nothing is served
 * from memory while the change notifications are not arriving, and an answer computed while a change arrived is not
 * kept. Reading from a replica, an answer is kept only once the replica has replayed the last change heard of.
 */
export default fp(
  async function readCache(app: FastifyInstance) {
    const { changes } = app
    const bodies = new LRUCache<string, CachedAnswer>({
      maxSize: BODY_BYTES,
      sizeCalculation: (answer, key) => answer.body.length + key.length + 256
    })
    const reports = new LRUCache<string, Promise<unknown>>({ max: REPORTS })
    changes.subscribe(change => {
      if (change === 'keys') return
      bodies.clear()
      reports.clear()
    })

    // Where a request's answer will be kept (the key is made once, so that an answer begun before midnight is not kept
    // as the next day's) and the generation it is computed in. A request served from memory has none.
    const madeIn = new WeakMap<FastifyRequest, { key: string; generation: number }>()
    const cacheKeyOf = (request: FastifyRequest) =>
      `${request.url}\n${request.headers.accept ?? ''}\n${todayInSweden()}`
    const cacheable = (request: FastifyRequest) =>
      request.method === 'GET' &&
      request.url.length <= MAX_CACHED_URL &&
      (request.headers.accept?.length ?? 0) <= MAX_CACHED_ACCEPT &&
      requiredScopeOf(request) === 'read' &&
      request.routeOptions.config.fromMemory !== false

    // A replica may lag: what it answers is kept only once it has replayed the last change this instance heard of.
    let replicaCaughtUpWith = -1
    const replicaHasReplayed = async (generation: number) => {
      if (app.reportDb === app.db || replicaCaughtUpWith === generation) return true
      if (changes.lastTransaction === null) return false
      if ((await hasReplayed(app.reportDb, changes.lastTransaction)) && changes.generation === generation)
        replicaCaughtUpWith = generation
      return replicaCaughtUpWith === generation
    }

    // After authentication (onRequest), so a cached answer is only ever given to a request that may have it. A
    // callback, not a promise: an answer from memory waits on nothing.
    app.addHook('preValidation', (request, reply, done) => {
      if (!changes.listening || !cacheable(request)) return done()
      const generation = changes.generation
      const key = cacheKeyOf(request)
      const hit = bodies.get(key)
      if (hit !== undefined) {
        const ifNoneMatch = request.headers['if-none-match']
        if (ifNoneMatch !== undefined && matches(ifNoneMatch, hit.etag)) reply.code(304).headers(hit.notModified).send()
        else reply.code(200).headers(hit.headers).send(hit.body)
        return
      }
      replicaHasReplayed(generation).then(replayed => {
        if (replayed) madeIn.set(request, { key, generation })
        done()
      }, done)
    })

    // Before the ETag hook turns a match into a 304: the answer is kept either way.
    app.addHook('onSend', (request, reply, payload, done) => {
      const made = madeIn.get(request)
      if (made === undefined || reply.statusCode !== 200) return done(null, payload)
      if (!(typeof payload === 'string' || Buffer.isBuffer(payload))) return done(null, payload)
      if (reply.getHeader('etag') === undefined) reply.header('etag', entityTagOf(payload))
      if (!changes.listening || changes.generation !== made.generation) return done(null, payload)
      const etag = String(reply.getHeader('etag'))
      const headers: Record<string, string> = { etag }
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name)
        if (value !== undefined) headers[name] = String(value)
      }
      const notModified = Object.fromEntries(
        Object.entries(headers).filter(([name]) => !(NOT_IN_304 as readonly string[]).includes(name))
      )
      bodies.set(made.key, { body: Buffer.from(payload), etag, headers, notModified })
      done(null, payload)
    })

    app.decorate('readCache', {
      async memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
        const known = changes.listening ? reports.get(key) : undefined
        if (known !== undefined) return known as Promise<T>
        const generation = changes.generation
        if (!changes.listening || !(await replicaHasReplayed(generation)) || changes.generation !== generation)
          return compute()
        // Kept from its start, so that those who ask while it is computed wait for it instead of computing it again;
        // a change clears it, and a failure is not kept.
        const made = compute()
        reports.set(key, made)
        made.catch(() => {
          if (reports.get(key) === made) reports.delete(key)
        })
        return made
      }
    })
  },
  { name: 'read-cache', dependencies: ['changes', 'database'] }
)
