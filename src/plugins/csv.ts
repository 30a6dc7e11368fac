import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { parse } from 'csv-parse/sync'
import { problem } from './problems.ts'

const CSV_TYPE = 'text/csv; charset=utf-8'

/** Chooses CSV when `format=csv`, or when the Accept header ranks text/csv above JSON. */
function wantsCsv (request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format
  if (format !== undefined) return format === 'csv'
  const ranked = (request.headers.accept ?? '').split(',').map((part, order) => {
    const [type = '', ...params] = part.split(';').map(s => s.trim().toLowerCase())
    const q = Number(params.find(p => p.startsWith('q='))?.slice(2) ?? 1)
    return { type, q: Number.isFinite(q) ? q : 0, order }
  }).filter(m => m.q > 0 && (m.type === 'text/csv' || m.type === 'application/json'))
  ranked.sort((a, b) => b.q - a.q || a.order - b.order)
  return ranked[0]?.type === 'text/csv'
}

const cell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** RFC 4180: a header row, CRLF line ends, fields quoted only when they must be. */
export function toCsv<Row> (columns: ReadonlyArray<keyof Row & string>, rows: readonly Row[]): string {
  const lines = [columns.join(',')]
  for (const row of rows) lines.push(columns.map(column => cell(row[column])).join(','))
  return lines.join('\r\n') + '\r\n'
}

/** Sends JSON or CSV as the client asked; the CSV rows are made only when CSV is asked for. */
export function sendJsonOrCsv<Row> (request: FastifyRequest, reply: FastifyReply, body: unknown, csv: { columns: ReadonlyArray<keyof Row & string>, rows: () => readonly Row[] }) {
  reply.header('vary', 'Accept')
  if (wantsCsv(request)) return reply.type(CSV_TYPE).send(toCsv(csv.columns, csv.rows()))
  return reply.send(body)
}

/**
 * Accepts `text/csv` request bodies as a list of objects keyed by the header row, so the route's
 * JSON schema validates CSV rows exactly as it validates a JSON array. Empty cells are absent fields.
 */
export default fp(async function csv (app: FastifyInstance) {
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => {
    try {
      const rows = parse(body as string, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Array<Record<string, string>>
      done(null, rows.map(row => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== ''))))
    } catch (error) {
      done(problem(400, `The CSV body cannot be read: ${(error as Error).message}`), undefined)
    }
  })
}, { name: 'csv' })
