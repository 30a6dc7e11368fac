import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { contract, violations } from './contract.ts'
import { importNovember2019, periodIdOf, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

// The hostile-input suite, driven by the contract: every operation gets requests generated from its own schemas,
// valid and hostile (oversized lists and bodies at and past each limit, numeric edge strings, null at every level,
// duplicate keys, deep nesting, formula and control-character text in every text field), sent over HTTP to the
// service started as `npm start` runs it, with every shipped default (rate limit, load shedding, body limits), its
// heap capped at 256 MiB. Whatever comes in: never a 5xx, only documented statuses, every answer as the contract
// says (test/contract.ts), no problem document over 64 KiB, and the process alive with its heap within the cap.
const SEED = 20261201
const REQUESTS = 20_000
const HEAP_CAP_MB = 256
const MAX_PROBLEM_BYTES = 64 * 1024
t.setTimeout(15 * 60_000)

const context = await testApp(t)
const { app, db, bearer, url: databaseUrl } = context
await importNovember2019(context)
const periodId = await periodIdOf(db, '18/00295')
const invoiced = await app.inject({
  method: 'POST',
  url: `/v1/recommendation-periods/${periodId}/invoiced-years`,
  headers: bearer('finance:write'),
  payload: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
})
if (invoiced.statusCode !== 201) throw new Error(invoiced.body)

const port = await new Promise<number>(resolve => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => resolve(port))
  })
})
const server = spawn(
  join(import.meta.dirname, '../node_modules/.bin/node'),
  [`--max-old-space-size=${HEAP_CAP_MB}`, 'src/server.ts'],
  {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'error' }, // quieter logs: 20,000 refusals are not news
    stdio: ['ignore', 'ignore', 'inherit']
  }
)
const exited = once(server, 'exit')
t.teardown(() => {
  server.kill('SIGKILL')
})
const base = `http://127.0.0.1:${port}`
for (
  let waited = 0;
  !(await fetch(`${base}/health/ready`).then(
    r => r.ok,
    () => false
  ));
  waited += 200
) {
  if (waited > 30_000) throw new Error('the service did not become ready')
  await sleep(200)
}

const resolve = (schema: any): any =>
  schema?.$ref === undefined ? schema : resolve(contract.components.schemas[schema.$ref.split('/').pop()])
/** The schemas a nullable reference is written with (`anyOf` of the component and null): the component. */
const solid = (raw: any): any => {
  const schema = resolve(raw) ?? {}
  const parts = schema.anyOf ?? schema.oneOf ?? schema.allOf
  return parts === undefined
    ? schema
    : solid(parts.find((part: any) => !(part.enum?.length === 1 && part.enum[0] === null)) ?? parts[0])
}

const NUMERIC_EDGES = [
  'Infinity',
  '-Infinity',
  'NaN',
  '1e309',
  '-1e309',
  '9'.repeat(400),
  '-0',
  '0x7E4',
  ' 1',
  '1.5',
  '2e3',
  '+1',
  ''
]
const TEXT_EDGES = [
  '=HYPERLINK("http://evil.example","klicka")',
  '+SUM(1,1)',
  '-2+3',
  '@SUM(A1)',
  '\tflik',
  '\rvagnretur',
  '\u0000',
  '\u0007\u001b[31m',
  '\uD800',
  '\u202Eevil',
  'e\u0301\u0301\u0301',
  '🇸🇪👩‍👩‍👧',
  "' OR '1'='1",
  '1; DROP TABLE decisions; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  'x'.repeat(70_000),
  '',
  ' '
]
const JSON_EDGES = ['null', '[null]', '[]', '{}', '"x"', '1e400', 'true', '[[[]]]', '{"a":', '\u0000']

/**
 * Values a schema allows, near enough (examples, enums, patterns, bounds), and now and then a hostile one in its place.
 */
function value(raw: any, depth = 0): fc.Arbitrary<unknown> {
  const schema = solid(raw)
  const edge =
    schema.type === 'integer' || schema.type === 'number'
      ? fc.constantFrom<unknown>(...NUMERIC_EDGES, 1e308, -1e308, 2 ** 53, -0)
      : schema.type === 'string'
        ? fc.constantFrom<unknown>(...TEXT_EDGES)
        : fc.constantFrom<unknown>(null, [], {}, 'x', 0)
  return fc.oneof(
    { weight: 4, arbitrary: plausible(schema, depth) },
    { weight: 1, arbitrary: edge },
    { weight: 1, arbitrary: fc.constant(null) }
  )
}

function plausible(schema: any, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'date')
        return fc
          .date({ min: new Date('2015-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
          .map(d => d.toISOString().slice(0, 10))
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2015-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
          .map(d => d.toISOString())
      if (schema.format === 'uri')
        return fc.constantFrom('https://example.kommun.se/protokoll.pdf', 'javascript:alert(1)')
      if (
        schema.pattern !== undefined &&
        schema.pattern !== '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$'
      ) {
        // fast-check cannot generate lookaheads: generate without them, keep what the whole pattern takes.
        const pattern = new RegExp(schema.pattern, 'u')
        const generated = fc
          .stringMatching(new RegExp(schema.pattern.replace(/\(\?![^)]*\)/g, '')))
          .filter(s => pattern.test(s) && s.length <= (schema.maxLength ?? 200))
        return fc.oneof(fc.constant(schema.example ?? ''), generated)
      }
      return fc.oneof(
        fc.constant(schema.example ?? 'x'),
        fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 50, 50) })
      )
    }
    case 'integer':
      return fc.oneof(
        fc.constantFrom(schema.minimum ?? 0, schema.maximum ?? 1000, schema.example ?? 1),
        fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 2 ** 31 - 1) })
      )
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true })
    case 'boolean':
      return fc.boolean()
    case 'array':
      return depth > 3
        ? fc.constant([])
        : fc.array(value(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) })
    default: {
      if (depth > 3) return fc.constant({})
      const properties = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [name, value(property, depth + 1)])
      )
      return fc.record(properties, {
        requiredKeys: (schema.required ?? []).filter((name: string) => name in properties)
      })
    }
  }
}

/** A JSON text whose first key is given twice, the first time with a hostile value: which one does the service take? */
const withDuplicateKey = (json: string) =>
  json.replace(/^\{"([^"]+)":/, (whole, key: string) => `{"${key}":"=1+1",${whole.slice(1)}`)
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
const csvOf = (rows: unknown[]) => {
  const objects = rows.filter(
    (row): row is Record<string, unknown> => row !== null && typeof row === 'object' && !Array.isArray(row)
  )
  const columns = [...new Set(objects.flatMap(Object.keys))]
  const cell = (v: unknown) => {
    const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? '')
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
  }
  return `${[columns.join(','), ...objects.map(row => columns.map(c => cell(row[c])).join(','))].join('\r\n')}\r\n`
}

interface Request {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
}
interface Planned {
  operation: string
  requests: Request[]
  /** The operation's body limit in bytes (x-max-body-bytes). */
  bodyLimit: number
}

const operations = Object.entries(contract.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation }))
)
const perOperation = Math.ceil(REQUESTS / operations.length)

async function plan({ path, method, operation }: (typeof operations)[number], index: number): Promise<Planned> {
  const scope = operation['x-required-scopes']?.[0]
  const token = scope === undefined ? undefined : await apiKeys.create(db, `fuzz-${index}`, [scope])
  const parameters: any[] = operation.parameters ?? []
  const inPath = parameters.filter(p => p.in === 'path')
  const inQuery = parameters.filter(p => p.in === 'query')
  const content = operation.requestBody?.content ?? {}
  const takesCsv = content['text/csv'] !== undefined
  // A `.csv` twin takes the rows its JSON operation takes, as CSV.
  const jsonBody =
    content['application/json']?.schema ??
    (takesCsv
      ? contract.paths[path.replace(/\.csv$/, '')]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']
          ?.schema
      : undefined)
  const csvOnly = takesCsv && content['application/json'] === undefined
  const bodyLimit: number = operation['x-max-body-bytes'] ?? 1024 * 1024
  const listLimit: number | undefined = resolve(jsonBody)?.maxItems

  const pathValue = (p: any) =>
    fc.oneof(
      { weight: 3, arbitrary: plausible(solid(p.schema), 0) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<unknown>(...NUMERIC_EDGES.filter(e => e !== ''), ...TEXT_EDGES.slice(0, 12))
      }
    )
  const segment = (v: unknown) => {
    const text = String(v)
    try {
      return encodeURIComponent(text)
    } catch {
      return encodeURIComponent(text.toWellFormed())
    }
  }
  const item =
    jsonBody === undefined
      ? fc.constant(undefined)
      : value(resolve(jsonBody)?.type === 'array' ? resolve(jsonBody).items : jsonBody)
  const body =
    jsonBody === undefined
      ? fc.constant(undefined)
      : fc.oneof(
          {
            weight: 5,
            arbitrary: (resolve(jsonBody)?.type === 'array'
              ? fc.array(item, { minLength: 1, maxLength: 4 })
              : item
            ).map(v => JSON.stringify(v) ?? 'null')
          },
          { weight: 1, arbitrary: item.map(v => withDuplicateKey(JSON.stringify(v) ?? '{}')) },
          { weight: 1, arbitrary: fc.integer({ min: 33, max: 20_000 }).map(nested) },
          { weight: 1, arbitrary: fc.constantFrom(...JSON_EDGES) }
        )
  const request = fc.record({
    path: fc.record(Object.fromEntries(inPath.map(p => [p.name, pathValue(p)]))),
    query: fc.record(
      Object.fromEntries(
        inQuery.map(p => [
          p.name,
          fc.oneof(
            { weight: 3, arbitrary: plausible(solid(p.schema), 0) },
            { weight: 1, arbitrary: fc.constantFrom<unknown>(...NUMERIC_EDGES, ...TEXT_EDGES.slice(0, 12)) }
          )
        ])
      ),
      { requiredKeys: [] }
    ),
    unknownParameter: fc.integer({ min: 0, max: 9 }).map(n => n === 0),
    body,
    contentType: csvOnly
      ? fc.constantFrom('text/csv', 'text/csv', 'application/json')
      : fc.constantFrom(
          'application/json',
          'application/json',
          'application/json',
          'text/csv',
          'text/plain',
          'application/xml'
        ),
    accept: fc.constantFrom(
      undefined,
      undefined,
      'application/json',
      'text/csv',
      'application/xml',
      '*/*',
      'text/csv;q=0.5, application/json'
    ),
    // Mostly the operation's own key: requests without one (or with a made-up one) all count against one address.
    credentials: fc.oneof(
      { weight: 48, arbitrary: fc.constant('key') },
      { weight: 1, arbitrary: fc.constant('none') },
      { weight: 1, arbitrary: fc.constant('bogus') }
    ),
    idempotencyKey: fc.option(fc.constantFrom('retry-1', 'x'.repeat(256), '~!@#$%^&*()', ''), { nil: undefined })
  })
  const requestOf = (r: any, body = r.body as string | undefined, contentType = r.contentType as string): Request => {
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => segment((r.path as Record<string, unknown>)[name]))
    const search = new URLSearchParams(
      Object.entries(r.query as Record<string, unknown>).map(([name, v]) => [
        name,
        typeof v === 'string' ? v : (JSON.stringify(v) ?? '')
      ])
    )
    if (r.unknownParameter === true) search.set('unknown_parameter', '1')
    const authorization =
      r.credentials === 'bogus'
        ? 'Bearer jfk_not-a-key'
        : r.credentials === 'none' || token === undefined
          ? undefined
          : `Bearer ${token}`
    return {
      method,
      url: `${url}${search.size > 0 ? `?${search}` : ''}`,
      headers: {
        ...(authorization !== undefined && { authorization }),
        ...(r.accept !== undefined && { accept: r.accept }),
        ...(method === 'PUT' && { 'if-match': '*' }),
        ...(r.idempotencyKey !== undefined && method === 'POST' && { 'idempotency-key': r.idempotencyKey }),
        ...(body !== undefined && { 'content-type': contentType })
      },
      ...(body !== undefined && { body: contentType === 'text/csv' && body.startsWith('[') ? csvFromJson(body) : body })
    }
  }
  const generated = fc.sample(request, { numRuns: perOperation, seed: SEED + index }).map(r => requestOf(r))

  // At and past every limit, once each: the body's size, the list's length, nulls.
  const sample = fc.sample(request, { numRuns: 1, seed: SEED - index })[0]!
  const fixed: Request[] = []
  if (method !== 'GET') {
    const type = csvOnly ? 'text/csv' : 'application/json'
    const text = (bytes: number) => `"${'x'.repeat(bytes - 2)}"`
    fixed.push(
      requestOf(sample, text(bodyLimit), type),
      requestOf(sample, text(bodyLimit + 1), type),
      requestOf(sample, 'null', 'application/json'),
      requestOf(sample, '[null]', 'application/json'),
      requestOf(sample, '['.repeat(bodyLimit), 'application/json')
    )
    if (listLimit !== undefined) {
      // CSV rows are real rows (a header and n lines), not a JSON list turned into empty lines.
      const rows = (n: number) =>
        csvOnly ? `municipality_code\r\n${'0114\r\n'.repeat(n)}` : `[${Array(n).fill('{}').join(',')}]`
      fixed.push(
        requestOf(sample, rows(listLimit), type),
        requestOf(sample, rows(listLimit + 1), type),
        requestOf(sample, rows(Math.floor(bodyLimit / (csvOnly ? 6 : 3)) - 10), type)
      )
    }
  }
  for (const p of [...inPath, ...inQuery].filter(p => ['integer', 'number'].includes(solid(p.schema).type))) {
    for (const edge of NUMERIC_EDGES) {
      fixed.push(
        requestOf({
          ...sample,
          [p.in === 'path' ? 'path' : 'query']: { ...(p.in === 'path' ? sample.path : sample.query), [p.name]: edge },
          credentials: 'key'
        })
      )
    }
  }
  return { operation: `${method} ${path}`, requests: [...fixed, ...generated], bodyLimit }
}

/** A JSON list turned into CSV rows, for the operations that take CSV: the same hostile cells, in the other format. */
function csvFromJson(json: string) {
  try {
    const rows = JSON.parse(json)
    return Array.isArray(rows) ? csvOf(rows) : json
  } catch {
    return json
  }
}

const planned = await Promise.all(operations.map(plan))

// The heap and RSS of the service, read from its own metrics while the requests run.
let peakHeap = 0
let peakRss = 0
const sampling = (async () => {
  while (server.exitCode === null) {
    const text = await fetch(`${base}/metrics`).then(
      r => r.text(),
      () => ''
    )
    const metric = (name: string) => Number(new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? 0)
    peakHeap = Math.max(peakHeap, metric('nodejs_heap_size_used_bytes'))
    peakRss = Math.max(peakRss, metric('process_resident_memory_bytes'))
    await sleep(250)
  }
})()

const statuses = new Map<number, number>()
// A body past its limit is answered 413 before it is read, and Node then closes the connection rather than read
// megabytes it would throw away: a client still sending sees EPIPE or a reset before it can read the answer, as
// HTTP allows (RFC 9112 §9.6). That is a refusal, not a failure; the service still has to answer the next request.
const refusedUnread = (request: Request, bodyLimit: number, error: Error) =>
  Buffer.byteLength(request.body ?? '') > bodyLimit &&
  /EPIPE|ECONNRESET|other side closed/.test(String((error as { cause?: unknown }).cause))

// A key's first request counts with its address's unknown tokens (plugins/rate-limit.ts), as the made-up tokens among
// the requests do: every operation's key is introduced before those arrive, so that none is refused for their count.
for (const { requests } of planned) {
  const [first] = requests
  if (first !== undefined)
    await fetch(`${base}${first.url}`, { method: first.method, headers: first.headers, body: first.body }).then(
      response => response.text(),
      () => undefined
    )
}

for (const { operation, requests, bodyLimit } of planned) {
  t.test(
    `${operation}: no 5xx, only documented statuses, every answer as the contract says, problems bounded`,
    async t => {
      const failures: string[] = []
      const queue = [...requests]
      const worker = async (count = Infinity) => {
        for (let request = queue.shift(); request !== undefined; request = --count > 0 ? queue.shift() : undefined) {
          const response = await fetch(`${base}${request.url}`, {
            method: request.method,
            headers: request.headers,
            body: request.body
          }).catch((error: Error) => error)
          if (response instanceof Error) {
            if (refusedUnread(request, bodyLimit, response)) continue
            failures.push(`${request.method} ${request.url.slice(0, 200)}: ${response.message}`)
            continue
          }
          const body = await response.text()
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          const headers = Object.fromEntries(response.headers)
          const found =
            response.status >= 500
              ? [`a ${response.status}`]
              : violations({ method: request.method, url: request.url, statusCode: response.status, headers, body })
          if (/problem\+json/.test(headers['content-type'] ?? '') && body.length > MAX_PROBLEM_BYTES)
            found.push(`a problem of ${body.length} bytes`)
          if (found.length > 0)
            failures.push(
              `${request.method} ${request.url.slice(0, 200)} [${request.headers['content-type'] ?? ''}] ${(request.body ?? '').slice(0, 120)} → ${response.status}: ${found.slice(0, 3).join('; ')}: ${body.slice(0, 200)}`
            )
        }
      }
      await Promise.all(Array.from({ length: 6 }, () => worker()))
      t.same(failures.slice(0, 10), [], `${requests.length} requests, ${failures.length} failed`)
    }
  )
}

t.test(
  `the service is alive after ${REQUESTS.toLocaleString('en')} requests and more, its heap within ${HEAP_CAP_MB} MiB`,
  async t => {
    const huge = await fetch(`${base}/v1/municipalities`, { headers: { 'x-padding': 'x'.repeat(17 * 1024) } })
    t.equal(huge.status, 431, 'headers past 16 KiB get a problem')
    t.match(huge.headers.get('content-type'), /^application\/problem\+json/)
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0)
    t.ok(
      sent >= REQUESTS,
      `${sent} requests answered: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`
    )
    t.ok(
      (statuses.get(429) ?? 0) < sent / 20,
      'few were turned away by the rate limit, so the operations themselves met the input'
    )
    t.equal(server.exitCode, null, 'the service is still running')
    t.ok((await fetch(`${base}/health/live`)).ok, 'and answers')
    t.ok(
      peakHeap > 0 && peakHeap < HEAP_CAP_MB * 1024 * 1024,
      `peak heap ${(peakHeap / 2 ** 20).toFixed(1)} MiB, peak RSS ${(peakRss / 2 ** 20).toFixed(1)} MiB`
    )
    console.log(
      `# fuzz: ${sent} requests over ${operations.length} operations; statuses ${JSON.stringify(Object.fromEntries(statuses))}; peak heap ${(peakHeap / 2 ** 20).toFixed(1)} MiB, RSS ${(peakRss / 2 ** 20).toFixed(1)} MiB`
    )
    server.kill('SIGTERM')
    await exited
    await sampling
  }
)
