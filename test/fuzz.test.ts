import { readFile } from 'node:fs/promises'
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import fc from 'fast-check'
import t from 'tap'
import type { Scope } from '../src/db/api-keys.ts'
import { importNovember2019 } from './fixtures.ts'
import { testApp } from './helpers.ts'

// Property-based fuzzing driven by the contract: for every operation, requests generated from its own schemas,
// valid and hostile, sent with a key that holds its scope. Whatever comes in, the answer is never a 5xx, its
// status is one the operation documents, and a JSON body matches the schema documented for that status.
const contract = JSON.parse(await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))
const context = await testApp(t)
await importNovember2019(context)
const { app, keys } = context

const ajv = new Ajv({ strict: false, allErrors: true })
formats.default(ajv)
// Generated clients read a nullable reference ({ nullable, allOf: [$ref] }) as "the component or null"; a strict
// JSON Schema validator would not let null through the allOf, so the validator is told the same reading.
const asClientsReadIt = (node: any): any => {
  if (Array.isArray(node)) return node.map(asClientsReadIt)
  if (node === null || typeof node !== 'object') return node
  const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, asClientsReadIt(value)]))
  return copy.nullable === true && Array.isArray(copy.allOf) ? { anyOf: [...copy.allOf, { type: 'null' }] } : copy
}
ajv.addSchema({ ...asClientsReadIt(contract), $id: 'contract' })
const pointer = (...parts: string[]) => `contract#/${parts.map(p => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`
const resolve = (schema: any): any => schema?.$ref === undefined ? schema : resolve(contract.components.schemas[schema.$ref.split('/').pop()])

const HOSTILE: unknown[] = [
  "' OR '1'='1", "1; DROP TABLE decisions; --", "0138' --", '%27%20OR%201=1', '../../etc/passwd', '<script>alert(1)</script>',
  'x'.repeat(70_000), '\u0000', '\uD800', '\u202Eevil', 'e\u0301\u0301\u0301', '🇸🇪👩‍👩‍👧', 'ﷺ', '', ' ', '-1', '0', '1e309',
  '99999999999999999999999', 'NaN', 'null', 'true', -1, 0, 2 ** 53, 1e308, -1e308, 3.5, null, true, [], {}, [[[]]]
]
const hostile = fc.constantFrom(...HOSTILE)
const deepJson = fc.integer({ min: 100, max: 5000 }).map(depth => '['.repeat(depth) + ']'.repeat(depth))

/** Values a schema allows, near enough: its examples, enums, patterns and bounds. */
function valid (raw: any, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(raw) ?? {}
  if (schema.allOf !== undefined) return valid(schema.allOf[0], depth)
  const value = ((): fc.Arbitrary<unknown> => {
    if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
    switch (schema.type) {
      case 'string':
        if (schema.format === 'date') return fc.date({ min: new Date('2015-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map(d => d.toISOString().slice(0, 10))
        if (schema.format === 'date-time') return fc.date({ min: new Date('2015-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map(d => d.toISOString())
        if (schema.pattern !== undefined) return fc.oneof(fc.constant(schema.example ?? ''), fc.stringMatching(new RegExp(schema.pattern)).filter(s => s.length <= (schema.maxLength ?? 200)))
        return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 50, 50) })
      case 'integer': return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 2 ** 31 - 1) })
      case 'number': return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true })
      case 'boolean': return fc.boolean()
      case 'array': return depth > 3 ? fc.constant([]) : fc.array(valid(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) })
      default: {
        if (depth > 3) return fc.constant({})
        const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, valid(property, depth + 1)]))
        return fc.record(properties, { requiredKeys: schema.required ?? [] })
      }
    }
  })()
  return schema.nullable === true ? fc.option(value, { nil: null }) : value
}

/** A path segment as a client would send it; a lone surrogate has no UTF-8 form, so it goes as the bytes a careless encoder makes. */
function encodeSegment (value: string) {
  try { return encodeURIComponent(value) } catch { return encodeURIComponent(value.toWellFormed()).replaceAll('%EF%BF%BD', '%ED%A0%80') }
}

/** A value from the schema most of the time, a hostile one sometimes. */
const fuzzed = (schema: unknown) => fc.oneof({ weight: 3, arbitrary: valid(schema) }, { weight: 1, arbitrary: hostile })

const operations = Object.entries(contract.paths as Record<string, Record<string, any>>)
  .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })))

let sent = 0
for (const { path, method, operation } of operations) {
  t.test(`${method.toUpperCase()} ${path}: no 5xx, only documented statuses, bodies as documented`, async (t) => {
    const parameters: any[] = (operation.parameters ?? []).filter((p: any) => p.in !== 'header')
    const pathParameters = parameters.filter(p => p.in === 'path')
    const queryParameters = parameters.filter(p => p.in === 'query')
    const jsonBody = operation.requestBody?.content?.['application/json']?.schema
    const request = fc.record({
      path: fc.record(Object.fromEntries(pathParameters.map(p => [p.name, fuzzed(p.schema)]))),
      query: fc.record(Object.fromEntries(queryParameters.map(p => [p.name, fuzzed(p.schema)])), { requiredKeys: [] }),
      body: jsonBody === undefined ? fc.constant(undefined) : fc.oneof({ weight: 4, arbitrary: fuzzed(jsonBody).map(v => JSON.stringify(v)) }, { weight: 1, arbitrary: deepJson }),
      contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/xml', 'text/csv')
    })
    const scope = operation['x-required-scopes']?.[0] as Scope | undefined
    await fc.assert(fc.asyncProperty(request, async ({ path: values, query, body, contentType }) => {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(String((values as Record<string, unknown>)[name])))
      const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]))
      const response = await app.inject({
        method: method.toUpperCase() as 'GET',
        url: `${url}${search.size > 0 ? `?${search}` : ''}`,
        headers: { ...(scope !== undefined && { authorization: `Bearer ${keys[scope]}` }), ...(body !== undefined && { 'content-type': contentType }), ...(method === 'put' && { 'if-match': '*' }) },
        ...(body !== undefined && { payload: body })
      })
      sent++
      const status = String(response.statusCode)
      if (response.statusCode >= 500) throw new Error(`${status} for ${method.toUpperCase()} ${response.raw.req.url}: ${response.body.slice(0, 300)}`)
      const documented = operation.responses[status]
      if (documented === undefined) throw new Error(`undocumented ${status} for ${method.toUpperCase()} ${response.raw.req.url}: ${response.body.slice(0, 300)}`)
      const type = String(response.headers['content-type'] ?? '').split(';')[0]!
      if (type === 'application/json' || type === 'application/problem+json') {
        if (documented.content?.[type] === undefined) throw new Error(`${status} answered ${type}, which is not documented`)
        const validate = ajv.getSchema(pointer('paths', path, method, 'responses', status, 'content', type, 'schema')) ??
          ajv.compile({ $ref: pointer('paths', path, method, 'responses', status, 'content', type, 'schema') })
        if (!validate(response.json())) throw new Error(`${status} body breaks its schema: ${ajv.errorsText(validate.errors)}: ${response.body.slice(0, 300)}`)
      }
    }), { numRuns: 50, seed: 20261123 })
  })
}

t.teardown(() => { console.log(`# fuzz: ${sent} requests over ${operations.length} operations`) })
