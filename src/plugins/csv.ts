import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { parse } from 'csv-parse/sync'
import { FormatQuery } from '../schemas/common.ts'
import { maxRowsOf, tooManyRows } from '../http/import-rows.ts'
import { problem } from './problems.ts'
import { MAX_JSON_FIELDS } from './json-body.ts'
import { FROM_TEXT } from './validation.ts'

const CSV_TYPE = 'text/csv; charset=utf-8'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the `.csv` twin of an operation (see below): it answers, or takes, CSV only. */
    csvOnly?: boolean
  }
}

interface MediaTypes {
  [type: string]: unknown
}
// biome-ignore lint/suspicious/noExplicitAny: a route's schema is a plain JSON Schema document, walked as data
type RouteSchema = Record<string | symbol, any>

/** The media types an operation answers with 200, as its schema declares them. */
const answerTypesOf = (schema: RouteSchema | undefined): string[] =>
  Object.keys((schema?.response?.[200]?.content ?? {}) as MediaTypes)
const answersCsv = (schema: RouteSchema | undefined) => answerTypesOf(schema).includes('text/csv')
const takesCsv = (schema: RouteSchema | undefined) =>
  (schema?.consumes as string[] | undefined)?.includes('text/csv') === true

/** The ranges of an Accept header with their q-values, in the order given. */
function acceptRanges(accept: string) {
  return accept
    .split(',')
    .map((part, order) => {
      const [type = '', ...params] = part.split(';').map(s => s.trim().toLowerCase())
      const q = Number(params.find(p => p.startsWith('q='))?.slice(2) ?? 1)
      return { type, q: Number.isFinite(q) ? q : 0, order }
    })
    .filter(range => range.type !== '')
}

const covers = (range: string, type: string) =>
  range === '*/*' || range === type || (range.endsWith('/*') && type.startsWith(range.slice(0, -1)))

/** Chooses CSV on the `.csv` twins, when `format=csv`, or when the Accept header ranks text/csv above JSON. */
function wantsCsv(request: FastifyRequest): boolean {
  if (request.routeOptions.config.csvOnly === true) return true
  const format = (request.query as { format?: string } | undefined)?.format
  if (format !== undefined) return format === 'csv'
  return prefers(request.headers.accept, 'text/csv', 'application/json')
}

/** Whether an Accept header ranks `type` above `other`: a higher q, or the same q and named first. */
export function prefers(accept: string | undefined, type: string, other: string): boolean {
  const ranges = acceptRanges(accept ?? '')
  const wanted = preference(ranges, type)
  const rival = preference(ranges, other)
  return wanted.q > rival.q || (wanted.q === rival.q && wanted.q > 0 && wanted.order < rival.order)
}

/**
 * How much an Accept header wants a media type: the q of the most specific range covering it (RFC 9110 §12.5.1:
 * `text/csv` over `text/*` over `*\/*`), and where that range stands in the header.
 */
function preference(ranges: ReturnType<typeof acceptRanges>, type: string) {
  const specificity = (range: string) => (range === type ? 2 : range === '*/*' ? 0 : 1)
  const covering = ranges
    .filter(range => covers(range.type, type))
    .sort((a, b) => specificity(b.type) - specificity(a.type))
  return covering[0] ?? { q: 0, order: Infinity }
}

/**
 * A download name from the request's path (`/v1/recommendation-periods/2/uptake` →
 * `recommendation-periods-2-uptake.csv`): only [a-z0-9-].
 */
function fileNameOf(request: FastifyRequest) {
  const path = (request.url.split('?')[0] ?? '').replace(/^\/v1\//, '').replace(/\.csv$/, '')
  const name = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
  return `${name || 'export'}.csv`
}

/**
 * A cell a spreadsheet would run as a formula (OWASP, "CSV Injection"): it starts with = + - @, a tab or a carriage
 * return.
 */
const FORMULA_START = /^[=+\-@\t\r]/
/**
 * A plain number, such as a credit of -177.00, is left as it is: it is data, and spreadsheets must read it as a number.
 */
const PLAIN_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/

const cell = (value: unknown): string => {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value)
  // A leading apostrophe makes Excel, LibreOffice and Google Sheets show the text instead of evaluating it.
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * RFC 4180: a header row, CRLF line ends, fields quoted only when they must be. No text a caller wrote can reach a
 * spreadsheet as a formula: such a cell is prefixed with an apostrophe.
 */
export function toCsv<Row>(columns: ReadonlyArray<keyof Row & string>, rows: readonly Row[]): string {
  const lines = [columns.join(',')]
  for (const row of rows) lines.push(columns.map(column => cell(row[column])).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/**
 * Sends JSON or CSV as the client asked; the CSV rows are made only when CSV is asked for, and are sent as a
 * download with a file name.
 */
export function sendJsonOrCsv<Row>(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  csv: { columns: ReadonlyArray<keyof Row & string>; rows: () => readonly Row[] }
) {
  reply.header('vary', 'Accept')
  if (!wantsCsv(request)) return reply.send(body)
  return reply
    .type(CSV_TYPE)
    .header('content-disposition', `attachment; filename="${fileNameOf(request)}"`)
    .send(toCsv(csv.columns, csv.rows()))
}

/**
 * The same operation for CSV only, at the same path plus `.csv`: clients generated from the contract type its answer
 * (or its body) as text, where a second media type on the JSON operation would be typed as the JSON model.
 */
function csvTwin(route: RouteOptions): RouteOptions {
  const schema = route.schema as RouteSchema
  const { format: _format, ...properties } = schema.querystring?.properties ?? {}
  const ok =
    schema.response[route.method === 'GET' ? 200 : Object.keys(schema.response).find(status => /^2/.test(status))!]
  return {
    ...route,
    url: `${(route as RouteOptions & { routePath: string }).routePath}.csv`,
    config: { ...route.config, csvOnly: true },
    schema: {
      ...schema,
      operationId: `${schema.operationId}Csv`,
      summary: `${schema.summary} (CSV)`,
      description:
        `${route.method === 'GET' ? 'Answers' : 'Takes'} only CSV; otherwise the same as \`${schema.operationId}\`, ` +
        `for clients generated from this contract, which then type it as text.\n\n${schema.description ?? ''}`.trim(),
      ...(schema.querystring !== undefined && { querystring: { ...schema.querystring, properties } }),
      ...(route.method === 'GET'
        ? { response: { ...schema.response, 200: { ...ok, content: { 'text/csv': ok.content['text/csv'] } } } }
        : { consumes: ['text/csv'] })
    },
    // A twin that takes CSV takes nothing else.
    ...(route.method !== 'GET' && { preValidation: [...[route.preValidation ?? []].flat(), onlyCsvBodies] })
  } as RouteOptions
}

/**
 * The header row names the fields, each once (as a JSON body gives each field once): which of two cells would count is
 * not defined. A header of thousands of names is refused unread too.
 */
function headerRow(names: string[]): string[] {
  if (names.length > MAX_JSON_FIELDS) throw new Error(`the header row names more than ${MAX_JSON_FIELDS} fields`)
  const seen = new Set<string>()
  const repeated = names.find(name => seen.has(name) || !seen.add(name))
  if (repeated !== undefined)
    throw new Error(`the header row names the field ${JSON.stringify(repeated.slice(0, 100))} twice`)
  return names
}

async function onlyCsvBodies(request: FastifyRequest) {
  if (/^text\/csv\b/i.test(request.headers['content-type'] ?? '')) return
  const path = request.url.split('?')[0]!
  throw problem(415, `${path} takes text/csv only; send JSON to ${path.replace(/\.csv$/, '')}.`)
}

const NO_PARAMETERS = { type: 'object', properties: {}, additionalProperties: false }

/**
 * The one rule of representations, applied here to every operation as it is declared:
 * - an operation answers CSV when its 200 declares `text/csv` (every list and report does; a single resource does
 *   not); it then takes `format=csv|json` besides `Accept`, and has a `.csv` twin that answers CSV only;
 * - an operation that takes CSV bodies declares `consumes: text/csv`, and has a `.csv` twin that takes CSV only;
 * - a query parameter the operation does not declare is refused (400), on every operation alike;
 * - a GET whose Accept header allows none of the media types it answers with is refused (406).
 * CSV request bodies become a list of objects keyed by the header row, so the route's JSON schema validates CSV
 * rows exactly as it validates a JSON array. Empty cells are absent fields.
 */
export default fp(
  async function csv(app: FastifyInstance) {
    app.addHook('onRoute', function (route) {
      const schema = route.schema as RouteSchema | undefined
      if (schema === undefined || schema.hide === true) return // the docs page's own routes
      const query = schema.querystring ?? NO_PARAMETERS
      schema.querystring =
        answersCsv(schema) && route.config?.csvOnly !== true
          ? { ...query, properties: { ...query.properties, ...FormatQuery } }
          : query
      if (route.config?.csvOnly !== true && (route.method === 'GET' ? answersCsv(schema) : takesCsv(schema)))
        this.route(csvTwin(route))
    })

    app.addHook('onRequest', (request, _reply, done) => {
      if (request.method !== 'GET') return done()
      const types = answerTypesOf(request.routeOptions.schema as RouteSchema | undefined)
      const accept = request.headers.accept
      if (types.length === 0 || accept === undefined || accept.trim() === '') return done()
      if (!acceptRanges(accept).some(range => range.q > 0 && types.some(type => covers(range.type, type)))) {
        return done(
          problem(406, `This operation answers ${types.join(' or ')}; the Accept header allows none of them.`)
        )
      }
      done()
    })

    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (request, body, done) => {
      try {
        // Rows are counted while parsing: one past the route's limit is enough to refuse the rest unread.
        const maxRows = maxRowsOf(request)
        const rows = parse(body as string, {
          columns: headerRow,
          skip_empty_lines: true,
          trim: true,
          bom: true,
          ...(maxRows !== undefined && { to: maxRows + 1 })
        }) as Array<Record<string, string>>
        if (maxRows !== undefined && rows.length > maxRows) return done(tooManyRows(maxRows, `has more`), undefined)
        const parsed = rows.map(row => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== '')))
        done(null, Object.assign(parsed, { [FROM_TEXT]: true }))
      } catch (error) {
        done(problem(400, `The CSV body cannot be read: ${(error as Error).message}`), undefined)
      }
    })
  },
  { name: 'csv' }
)
