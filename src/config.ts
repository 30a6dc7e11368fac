import { resolve } from 'node:path'
import { isOrganisationNumber, peppolIdOf } from './domain/organisation-numbers.ts'
import type { InvoicingParty } from './e-invoices/ubl.ts'

export interface Config {
  /** PostgreSQL connection string; when absent an embedded PostgreSQL is started under dataDir. */
  readonly databaseUrl: string | undefined
  /**
   * A streaming replica of that database for the report reads (uptake, participation, cost shares, payout report);
   * absent: the primary.
   */
  readonly readReplicaUrl: string | undefined
  /**
   * Where to LISTEN for the database's change notifications when DATABASE_URL goes through a transaction-pooling
   * PgBouncer (which cannot keep a LISTEN): the same database, reached directly; absent: DATABASE_URL.
   */
  readonly databaseListenUrl: string | undefined
  readonly dataDir: string
  readonly port: number
  readonly host: string
  readonly logLevel: string
  /** When true, read operations need no API key. */
  readonly publicRead: boolean
  /** Requests per minute per API key, or per address without one; 0 switches the limit off. */
  readonly rateLimitPerMinute: number
  /** Origins allowed to call from browsers (CORS); empty: CORS off. */
  readonly corsOrigins: readonly string[]
  /** Event-loop delay past which requests are shed with 503; 0: never. */
  readonly maxEventLoopDelayMs: number
  /** The token Prometheus must send for /metrics; absent: /metrics is open. */
  readonly metricsToken: string | undefined
  /** After SIGTERM, how long readiness says 503 while requests are still served, before the server closes. */
  readonly shutdownDrainMs: number
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (Fastify's `trustProxy`): false (none), true
   * (any), a number of hops, or addresses and CIDR ranges.
   */
  readonly trustProxy: boolean | number | readonly string[]
  /**
   * Whether webhook endpoints may be on loopback and private addresses: off by default, so that an admin's URL cannot
   * reach inside the service's own network (SSRF); on for a receiver on the same private network, or a test's.
   */
  readonly allowPrivateWebhookUrls: boolean
  /** Who issues the invoices, where it is paid and how VAT is treated: what every e-invoice says of its seller. */
  readonly invoicingParty: InvoicingParty
}

/**
 * The exemption reason an e-invoice states for each VAT category we support. Whether SKR's recommendation invoices
 * carry VAT is not established (DOMAIN.md); a contribution that pays for no particular supply is outside VAT's scope.
 */
const VAT_EXEMPTION_REASONS = {
  O: 'Ej föremål för mervärdesskatt: gemensam finansiering enligt rekommendation',
  E: 'Undantagen från skatteplikt'
} as const

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Reads the environment once, rejecting every bad value together so a misconfigured deployment fails at start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = []
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`PORT must be an integer 0-65535, got "${env.PORT}"`)
  const logLevel = env.LOG_LEVEL ?? 'info'
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  const publicRead = env.PUBLIC_READ ?? 'false'
  if (!['true', 'false'].includes(publicRead)) problems.push(`PUBLIC_READ must be true or false, got "${publicRead}"`)
  const rateLimitPerMinute = Number(env.RATE_LIMIT_PER_MINUTE ?? 600)
  if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 0)
    problems.push(`RATE_LIMIT_PER_MINUTE must be a whole number, 0 for no limit, got "${env.RATE_LIMIT_PER_MINUTE}"`)
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map(origin => origin.trim())
    .filter(origin => origin !== '')
  for (const origin of corsOrigins)
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      problems.push(`CORS_ORIGINS must list origins like https://bi.example.se, got "${origin}"`)
  const maxEventLoopDelayMs = Number(env.MAX_EVENT_LOOP_DELAY_MS ?? 1000)
  if (!Number.isInteger(maxEventLoopDelayMs) || maxEventLoopDelayMs < 0)
    problems.push(
      `MAX_EVENT_LOOP_DELAY_MS must be a whole number of milliseconds, 0 for never, got "${env.MAX_EVENT_LOOP_DELAY_MS}"`
    )
  const shutdownDrainMs = Number(env.SHUTDOWN_DRAIN_MS ?? 5000)
  if (!Number.isInteger(shutdownDrainMs) || shutdownDrainMs < 0)
    problems.push(`SHUTDOWN_DRAIN_MS must be a whole number of milliseconds, got "${env.SHUTDOWN_DRAIN_MS}"`)
  const allowPrivateWebhookUrls = env.WEBHOOK_ALLOW_PRIVATE_URLS ?? 'false'
  if (!['true', 'false'].includes(allowPrivateWebhookUrls))
    problems.push(`WEBHOOK_ALLOW_PRIVATE_URLS must be true or false, got "${allowPrivateWebhookUrls}"`)
  const trustProxy = parseTrustProxy(env.TRUST_PROXY ?? 'false')
  if (trustProxy === undefined)
    problems.push(
      `TRUST_PROXY must be true, false, a number of hops or comma-separated addresses/CIDRs, got "${env.TRUST_PROXY}"`
    )
  const invoicingParty = parseInvoicingParty(env, problems)
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`)

  return Object.freeze({
    databaseUrl: env.DATABASE_URL || undefined,
    readReplicaUrl: env.READ_REPLICA_URL || undefined,
    databaseListenUrl: env.DATABASE_LISTEN_URL || undefined,
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel,
    publicRead: publicRead === 'true',
    rateLimitPerMinute,
    corsOrigins: Object.freeze(corsOrigins),
    maxEventLoopDelayMs,
    shutdownDrainMs,
    metricsToken: env.METRICS_TOKEN || undefined,
    trustProxy: trustProxy ?? false,
    allowPrivateWebhookUrls: allowPrivateWebhookUrls === 'true',
    invoicingParty
  })
}

/**
 * For the commands: the configuration, or its problems printed alone (a stack trace would bury them) and exit code 2.
 */
export function configOrExit(): Config {
  try {
    return loadConfig()
  } catch (error) {
    console.error((error as Error).message)
    process.exit(2)
  }
}

function parseTrustProxy(text: string): Config['trustProxy'] | undefined {
  if (text === 'true' || text === 'false') return text === 'true'
  if (/^[0-9]{1,2}$/.test(text)) return Number(text)
  const ranges = text.split(',').map(range => range.trim())
  return ranges.every(range => /^[0-9a-fA-F.:]+(\/[0-9]{1,3})?$/.test(range)) ? Object.freeze(ranges) : undefined
}

/** SKR by default: the organisation whose Peppol ID skr.se gives for invoices (0007:2220000315). */
function parseInvoicingParty(env: NodeJS.ProcessEnv, problems: string[]): InvoicingParty {
  const text = (name: string, fallback: string) => {
    const value = (env[name] ?? fallback).trim()
    if (value === '' || value.length > 200 || /[\u0000-\u001f\u007f]/.test(value))
      problems.push(`${name} must be 1-200 characters of text, got "${env[name]}"`)
    return value
  }
  const organisation_number = text('INVOICING_PARTY_ORGANISATION_NUMBER', '222000-0315')
  if (!isOrganisationNumber(organisation_number))
    problems.push(
      `INVOICING_PARTY_ORGANISATION_NUMBER must be an organisation number NNNNNN-NNNN with a valid check digit, got "${organisation_number}"`
    )
  const peppol_id = text('INVOICING_PARTY_PEPPOL_ID', peppolIdOf(organisation_number))
  if (!/^0007:[0-9]{10}$/.test(peppol_id) || !isOrganisationNumber(`${peppol_id.slice(5, 11)}-${peppol_id.slice(11)}`))
    problems.push(`INVOICING_PARTY_PEPPOL_ID must be 0007: and an organisation number's ten digits, got "${peppol_id}"`)
  const bankgiro = env.INVOICING_PARTY_BANKGIRO?.trim() || null
  if (bankgiro !== null && !/^[0-9]{3,4}-?[0-9]{4}$/.test(bankgiro))
    problems.push(`INVOICING_PARTY_BANKGIRO must be a Bankgiro number like 5050-1055, got "${bankgiro}"`)
  const vat_category = env.INVOICE_VAT_CATEGORY ?? 'O'
  if (vat_category !== 'O' && vat_category !== 'E')
    problems.push(`INVOICE_VAT_CATEGORY must be O (not subject to VAT) or E (exempt), got "${vat_category}"`)
  const category = vat_category === 'E' ? 'E' : 'O'
  const payment_terms_days = Number(env.INVOICE_PAYMENT_TERMS_DAYS || 30)
  if (
    !/^[0-9]*$/.test(env.INVOICE_PAYMENT_TERMS_DAYS ?? '') ||
    !Number.isInteger(payment_terms_days) ||
    payment_terms_days < 0 ||
    payment_terms_days > 365
  )
    problems.push(
      `INVOICE_PAYMENT_TERMS_DAYS must be a whole number of days 0-365, got "${env.INVOICE_PAYMENT_TERMS_DAYS}"`
    )
  return Object.freeze({
    name: text('INVOICING_PARTY_NAME', 'Sveriges Kommuner och Regioner'),
    organisation_number,
    peppol_id,
    street: text('INVOICING_PARTY_STREET', 'Hornsgatan 20'),
    postal_code: text('INVOICING_PARTY_POSTAL_CODE', '118 82'),
    city: text('INVOICING_PARTY_CITY', 'Stockholm'),
    bankgiro,
    vat_category: category,
    vat_exemption_reason: text('INVOICE_VAT_EXEMPTION_REASON', VAT_EXEMPTION_REASONS[category]),
    payment_terms_days
  })
}
