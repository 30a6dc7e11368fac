import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { Webhook } from 'standardwebhooks'
import ipaddr from 'ipaddr.js'
import { hostOf } from '../domain/webhooks.ts'
import { release } from '../release.ts'

/** A receiver has this long to answer; Standard Webhooks asks receivers to answer quickly and work later. */
const TIMEOUT_MS = 10_000
/** What is read of an answer: only its status counts, the rest is drained and dropped. */
const MAX_ANSWER_BYTES = 64 * 1024

/**
 * Whether a webhook may be sent to this address: a public unicast address, never loopback, private, link-local (the
 * cloud metadata service at 169.254.169.254), carrier-grade NAT, unique-local, multicast, reserved or unspecified, so
 * that an admin's URL cannot make the service reach inside its own network (SSRF). An IPv4 address mapped into IPv6
 * is judged as the IPv4 address.
 */
function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  const parsed = ipaddr.process(address)
  // IPv4-compatible IPv6 (::a.b.c.d, deprecated by RFC 4291), which ipaddr.js counts as unicast: routed as IPv4 by some.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every(part => part === 0)) return false
  return parsed.range() === 'unicast'
}

export interface Attempt {
  delivered: boolean
  status: number | null
  error: string | null
  attemptedAt: Date
  durationMs: number
}

/** Why a host cannot be sent to (it does not resolve, or resolves to an address that is not public), or undefined. */
export async function hostProblem(host: string, allowPrivate: boolean): Promise<string | undefined> {
  const addresses = isIP(host)
    ? [host]
    : await new Promise<string[] | string>(resolve =>
        dnsLookup(host, { all: true }, (error, found) =>
          resolve(error ? `${host} does not resolve` : found.map(a => a.address))
        )
      )
  if (typeof addresses === 'string') return addresses
  const refused = addresses.find(address => !allowPrivate && !isPublicAddress(address))
  return refused === undefined ? undefined : `${host} is ${refused}, not a public address`
}

/**
 * The resolver a delivery connects through: the addresses a name resolves to are checked at the moment of connecting,
 * so a name that resolved to a public address when the endpoint was made cannot be pointed inside later (DNS
 * rebinding).
 */
const checkedLookup =
  (allowPrivate: boolean) =>
  (
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
  ) =>
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, [])
      const refused = addresses.find(a => !allowPrivate && !isPublicAddress(a.address))
      if (refused !== undefined)
        return callback(new Error(`${hostname} resolves to ${refused.address}, not a public address`), [])
      if (options.all) return callback(null, addresses)
      return callback(null, addresses[0]!.address, addresses[0]!.family)
    })

/**
 * Sends one event to one endpoint, signed as Standard Webhooks specifies (its reference library): `webhook-id` (the
 * event's, the same on every retry, so receivers can drop duplicates), `webhook-timestamp` (this attempt's) and
 * `webhook-signature` (HMAC-SHA256 over id, timestamp and body). Delivered means a 2xx answer within the timeout;
 * redirects are not followed.
 */
export async function send(
  endpoint: { url: string; secret: string },
  event: { id: number; body: string },
  allowPrivate: boolean
): Promise<Attempt> {
  const attemptedAt = new Date()
  const started = performance.now()
  const finish = (status: number | null, error: string | null): Attempt => ({
    delivered: status !== null && status >= 200 && status < 300,
    status,
    error: error?.slice(0, 500) ?? (status !== null && (status < 200 || status >= 300) ? `answered ${status}` : null),
    attemptedAt,
    durationMs: Math.round(performance.now() - started)
  })
  const url = new URL(endpoint.url)
  const host = hostOf(url)
  if (isIP(host) && !allowPrivate && !isPublicAddress(host)) return finish(null, `${host} is not a public address`)
  const id = `evt_${event.id}`
  const headers = {
    'content-type': 'application/json',
    'user-agent': `joint-financing-webhooks/${release.version}`,
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(attemptedAt.getTime() / 1000)),
    'webhook-signature': new Webhook(endpoint.secret).sign(id, attemptedAt, event.body)
  }
  return new Promise<Attempt>(resolve => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', headers, lookup: checkedLookup(allowPrivate), signal: AbortSignal.timeout(TIMEOUT_MS) },
      response => {
        let read = 0
        response.on('data', (chunk: Buffer) => {
          read += chunk.length
          if (read > MAX_ANSWER_BYTES) response.destroy()
        })
        response.on('close', () => resolve(finish(response.statusCode ?? null, null)))
        response.on('error', () => {})
      }
    )
    request.on('error', error =>
      resolve(
        finish(null, error.name === 'AbortError' ? `no complete answer within ${TIMEOUT_MS / 1000} s` : error.message)
      )
    )
    request.end(event.body)
  })
}
