/**
 * The committed contract, read as a strict OpenAPI 3.0.3 validator reads it (as a validating proxy in front of the
 * service would), and held against every answer the suite sees: `validateEveryResponse(app)` checks each
 * `app.inject`, `checkResponse` any answer at all (test/client.test.ts checks those it gets over HTTP).
 *
 * Ajv validates JSON Schema, and an OpenAPI 3.0.3 Schema Object is not quite that, so each schema is translated
 * first, by hand: the libraries that translate (openapi-schema-to-json-schema and the validators built on it) let
 * null through every `nullable` schema, enumerations too, which 3.0.3 does not, and that leniency is what this
 * validator exists to refuse. The translation, keyword by keyword, is 3.0.3's § Schema Object:
 * - `nullable: true` adds null to the `type` of its own schema object, and only when it has one; every other
 *   keyword there still applies to null (so an `enum` must list it), and nothing reaches through `allOf` or `$ref`;
 * - `$ref` stands alone: keywords beside it are ignored;
 * - `exclusiveMinimum`/`exclusiveMaximum` are booleans that make `minimum`/`maximum` exclusive;
 * - `format` is checked (ajv-formats: int32, int64, float, double, byte, date, date-time, uri, uri-reference, …);
 *   a format Ajv does not know stops the translation rather than pass unchecked;
 * - `writeOnly` properties are not required in an answer, and not sent in one ("SHOULD NOT"); `readOnly` changes
 *   nothing in an answer;
 * - `discriminator` (with `oneOf`/`anyOf`): the payload carries the property, and its value names the schema, by
 *   `mapping` or by the component's name, that the payload must match;
 * - `example`, `xml`, `externalDocs` and `x-*` do not validate; any other keyword is not 3.0.3's and stops the
 *   translation.
 */
import { readFileSync } from 'node:fs'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import formats from 'ajv-formats'

type Schema = Record<string, any>
interface Header {
  schema?: Schema
  required?: boolean
  $ref?: string
}
interface Response {
  description: string
  headers?: Record<string, Header>
  content?: Record<string, { schema?: Schema }>
  $ref?: string
}
interface Operation {
  responses: Record<string, Response>
}

export const contract = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))

/** Keywords 3.0.3 takes from JSON Schema unchanged. */
const AS_IN_JSON_SCHEMA = new Set([
  'title',
  'description',
  'default',
  'deprecated',
  'type',
  'format',
  'enum',
  'pattern',
  'maxLength',
  'minLength',
  'maximum',
  'minimum',
  'multipleOf',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required'
])
/** Keywords that do not validate, or that the translation below has already spent. */
const NOT_VALIDATING = new Set([
  'example',
  'xml',
  'externalDocs',
  'nullable',
  'readOnly',
  'writeOnly',
  'discriminator',
  'exclusiveMinimum',
  'exclusiveMaximum'
])

const COMPONENT = '#/components/schemas/'
const componentRef = (ref: string) => {
  if (!ref.startsWith(COMPONENT)) throw new Error(`${ref}: a schema may only reference #/components/schemas/ here`)
  return `contract#/$defs/${ref.slice(COMPONENT.length)}`
}

/** Follows `$ref`s within the document (responses, headers, schemas). */
function dereference<T>(node: T & { $ref?: string }): T {
  let current: any = node
  while (typeof current?.$ref === 'string') {
    current = current.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((at: any, key: string) => at?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], contract)
    if (current === undefined) throw new Error(`${node.$ref} is not in the contract`)
  }
  return current
}

/** One OpenAPI 3.0.3 Schema Object as the JSON Schema that means the same for an answer. */
export function toJsonSchema(schema: Schema | boolean, where = '#'): Schema | boolean {
  if (typeof schema === 'boolean') return schema
  if (typeof schema.$ref === 'string') return { $ref: componentRef(schema.$ref) }
  const out: Schema = {}
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith('x-') || NOT_VALIDATING.has(keyword)) continue
    if (AS_IN_JSON_SCHEMA.has(keyword)) out[keyword] = value
    else if (keyword === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, property]) => [
          name,
          toJsonSchema(property, `${where}/properties/${name}`)
        ])
      )
    else if (keyword === 'items' || keyword === 'not' || keyword === 'additionalProperties')
      out[keyword] = toJsonSchema(value, `${where}/${keyword}`)
    else if (keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf')
      out[keyword] = (value as Schema[]).map((part, i) => toJsonSchema(part, `${where}/${keyword}/${i}`))
    else throw new Error(`${where}: "${keyword}" is not a keyword of an OpenAPI 3.0.3 Schema Object`)
  }
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum']
  ] as const) {
    if (schema[exclusive] === true) {
      out[exclusive] = schema[bound]
      delete out[bound]
    }
  }
  if (schema.nullable === true && typeof schema.type === 'string') out.type = [schema.type, 'null']
  const writeOnly = Object.entries<Schema>(schema.properties ?? {})
    .filter(([, property]) => dereference(property).writeOnly === true)
    .map(([name]) => name)
  if (writeOnly.length > 0) {
    out.required = (out.required as string[] | undefined)?.filter(name => !writeOnly.includes(name))
    for (const name of writeOnly) out.properties[name] = false
  }
  if (schema.discriminator !== undefined) out.allOf = [...(out.allOf ?? []), ...discriminated(schema, where)]
  return out
}

/** What a discriminator asks of a payload, as JSON Schema: the property, a known value, and the schema it names. */
function discriminated(schema: Schema, where: string): Schema[] {
  const alternatives: Schema[] | undefined = schema.oneOf ?? schema.anyOf
  if (alternatives === undefined)
    throw new Error(`${where}: a discriminator beside allOf only (inheritance) is not translated here`)
  const { propertyName, mapping = {} } = schema.discriminator as {
    propertyName: string
    mapping?: Record<string, string>
  }
  const targets: Record<string, string> = Object.fromEntries(
    alternatives.filter(a => typeof a.$ref === 'string').map(a => [a.$ref.split('/').pop(), a.$ref])
  )
  for (const [value, target] of Object.entries(mapping))
    targets[value] = target.startsWith('#') ? target : `${COMPONENT}${target}`
  return [
    { required: [propertyName], properties: { [propertyName]: { enum: Object.keys(targets) } } },
    ...Object.entries(targets).map(([value, target]) => ({
      if: { properties: { [propertyName]: { const: value } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
      then: { $ref: componentRef(target) }
    }))
  ]
}

const ajv = new Ajv({ strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, allErrors: true })
formats.default(ajv)
ajv.addSchema({
  $id: 'contract',
  $defs: Object.fromEntries(
    Object.entries<Schema>(contract.components?.schemas ?? {}).map(([name, schema]) => [
      name,
      toJsonSchema(schema, `${COMPONENT}${name}`)
    ])
  )
})
const compiled = new Map<Schema, ValidateFunction>()
/** A validator of one Schema Object of the contract (its `$ref`s into the components resolve), as 3.0.3 reads it. */
export function validatorOf(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema)
  if (validate === undefined) {
    validate = ajv.compile(toJsonSchema(schema) as Schema)
    compiled.set(schema, validate)
  }
  return validate
}

/** Answers outside the contract on purpose: the documents about the API, the terms and the scrape for Prometheus. */
const HIDDEN = [/^\/openapi\.json$/, /^\/docs(\/.*)?$/, /^\/metrics$/, /^\/terms$/]

const serverPath = new URL(contract.servers?.[0]?.url ?? '/', 'http://server').pathname.replace(/\/$/, '')
/** Each path template as a pattern; concrete paths are matched before templated ones, as 3.0.3 asks. */
const templates = Object.keys(contract.paths)
  .map(path => {
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    // A variable may be empty: RFC 6570 expands "" to nothing, and the parameter's schema then judges the value.
    const pattern = `${serverPath}${path}`
      .split(/\{[^}]+\}/)
      .map(literal)
      .join('[^/]*')
    return { path, pattern: new RegExp(`^${pattern}$`), variables: (path.match(/\{/g) ?? []).length }
  })
  .sort((a, b) => a.variables - b.variables)

/** The documented response for a status: the status itself, its range (`2XX`), or `default`. */
const responseFor = (operation: Operation, status: number) =>
  operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default

/** A header's text as the value its schema describes (3.0.3: headers are `simple`-style parameters). */
function headerValue(text: string, raw: Schema): unknown {
  const schema = dereference(raw)
  if (schema.type === 'integer' || schema.type === 'number')
    return /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text) ? Number(text) : text
  if (schema.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text
  if (schema.type === 'array') return text.split(',').map(item => headerValue(item.trim(), schema.items ?? {}))
  return text
}

const described = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map(
    e =>
      `${e.instancePath === '' ? '' : `${e.instancePath} `}${e.message ?? e.keyword}${e.keyword === 'enum' ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}${e.keyword === 'additionalProperties' ? ` (${e.params.additionalProperty})` : ''}`
  )

export interface Answer {
  method: string
  /** The request's URL: a path with its query, or an absolute URL. */
  url: string
  statusCode: number
  headers: Record<string, string | string[] | number | undefined>
  /** The body as text ('' when there is none). */
  body: string
}

/**
 * Everything in an answer that breaks the contract; empty when it keeps it, or when it is outside the API on purpose.
 */
export function violations({ method, url, statusCode, headers, body }: Answer): string[] {
  const path = new URL(url, 'http://server').pathname
  const template = templates.find(t => t.pattern.test(path))
  if (template === undefined)
    return HIDDEN.some(hidden => hidden.test(path)) ? [] : [`${path} is not a path of the contract`]
  const operation: Operation | undefined = contract.paths[template.path][method.toLowerCase()]
  if (operation === undefined) return [`${method.toUpperCase()} is not an operation of ${template.path}`]
  const raw = responseFor(operation, statusCode)
  if (raw === undefined)
    return [`status ${statusCode} is not documented (${Object.keys(operation.responses).join(', ')})`]
  const response = dereference(raw)

  const problems: string[] = []
  const header = (name: string) => {
    const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]
    return entry === undefined ? undefined : Array.isArray(entry) ? entry.join(', ') : String(entry)
  }
  for (const [name, rawHeader] of Object.entries(response.headers ?? {})) {
    if (name.toLowerCase() === 'content-type') continue // 3.0.3: a response header named Content-Type SHALL be ignored
    const documented = dereference(rawHeader)
    const text = header(name)
    if (text === undefined) {
      if (documented.required === true) problems.push(`header ${name} is required but missing`)
      continue
    }
    if (documented.schema === undefined) continue
    const validate = validatorOf(documented.schema)
    if (!validate(headerValue(text, documented.schema)))
      problems.push(`header ${name}: ${JSON.stringify(text.slice(0, 200))} ${described(validate.errors).join('; ')}`)
  }

  const contentType = header('content-type')
  if (statusCode === 304) {
    if (body !== '') problems.push('a 304 has no body, but this one has')
    if (contentType !== undefined) problems.push(`a 304 has no Content-Type, but this one says ${contentType}`)
    return problems
  }
  const content = response.content ?? {}
  if (contentType === undefined) {
    if (body !== '') problems.push('a body without a Content-Type')
    else if (Object.keys(content).length > 0)
      problems.push(`no body, where the contract documents ${Object.keys(content).join(', ')}`)
    return problems
  }
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase()
  const [kind] = mediaType.split('/')
  const key = [mediaType, `${kind}/*`, '*/*'].find(candidate => content[candidate] !== undefined)
  if (key === undefined)
    return [
      ...problems,
      `Content-Type ${mediaType} is not documented for ${statusCode} (${Object.keys(content).join(', ') || 'no content'})`
    ]
  const schema = content[key]!.schema
  if (schema === undefined) return problems
  let value: unknown = body
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      value = JSON.parse(body)
    } catch {
      return [...problems, `the ${mediaType} body is not JSON: ${body.slice(0, 100)}`]
    }
  } else if (dereference(schema).type !== 'string') {
    return [...problems, `a ${mediaType} body is text, but its schema is not a string`]
  }
  const validate = validatorOf(schema)
  if (!validate(value)) problems.push(...described(validate.errors).map(error => `body ${error}`))
  return problems
}

/** Throws, naming the request, the status and the first violations, when an answer breaks the contract. */
export function checkResponse(answer: Answer): void {
  const found = violations(answer)
  if (found.length === 0) return
  const shown = found.slice(0, 5).join('\n  ') + (found.length > 5 ? `\n  … and ${found.length - 5} more` : '')
  throw new Error(
    `${answer.method.toUpperCase()} ${answer.url} answered ${answer.statusCode}, which breaks the contract:\n  ${shown}\n  body: ${answer.body.slice(0, 300)}`
  )
}

const UNCHECKED = Symbol('app.inject without the contract check')
type Injecting = Pick<FastifyInstance, 'inject'> & { [UNCHECKED]?: FastifyInstance['inject'] }

/**
 * Checks every answer `app.inject` returns against the contract: the injection itself fails on a violation, so
 * every test of the suite holds the service to its contract without saying so. A 500 fails too: every operation
 * documents it, so the contract alone would let a serialiser's refusal pass, in tests that never look at the status.
 */
export function validateEveryResponse(app: Injecting): void {
  const inject = app.inject.bind(app) as (options?: unknown) => unknown
  app[UNCHECKED] = inject as FastifyInstance['inject']
  const check = (response: LightMyRequestResponse) => {
    const answer = {
      method: response.raw.req.method ?? 'GET',
      url: response.raw.req.url ?? '/',
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body
    }
    checkResponse(answer)
    if (answer.statusCode === 500)
      throw new Error(
        `${answer.method} ${answer.url} answered 500, an unexpected error (use injectOutsideTheContract for one on purpose): ${answer.body.slice(0, 300)}`
      )
    return response
  }
  app.inject = ((options?: unknown, callback?: unknown) => {
    if (options === undefined || callback !== undefined)
      throw new Error('validateEveryResponse: call app.inject(options) and await it, so its answer can be checked')
    return (inject(options) as Promise<LightMyRequestResponse>).then(check)
  }) as FastifyInstance['inject']
}

/**
 * For a request that steps outside the contract on purpose, as a test of the router or of a plugin does (a path no
 * operation has, a route the test adds itself): its answer is not held to the contract, since it has no place there.
 */
export function injectOutsideTheContract(app: Injecting, options: InjectOptions): Promise<LightMyRequestResponse> {
  const unchecked = app[UNCHECKED]
  return unchecked === undefined ? app.inject(options) : unchecked(options)
}
