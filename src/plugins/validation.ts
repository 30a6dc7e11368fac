import { Ajv, type ErrorObject } from 'ajv'
import formats from 'ajv-formats'

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema documents, walked as data
type Schema = Record<string, any>
type HttpPart = 'body' | 'querystring' | 'params' | 'headers'

/**
 * Marks a body parsed from CSV (plugins/csv.ts): its cells are text, to be read as numbers where the schema says so.
 */
export const FROM_TEXT = Symbol('cells are text')

/**
 * Numbers as people and generators write them in a URL or a CSV cell: decimal digits with an optional sign, and a
 * fraction for a `number` (an `integer` has none). Ajv's own coercion also takes "Infinity", "1e309", " 2020" and
 * "0x7E4", and skips `minimum`/`maximum` for the infinite ones it makes, so a year of "Infinity" reached the handlers;
 * text that is not plainly a number stays text here and fails the type check instead.
 */
const INTEGER = /^-?(0|[1-9][0-9]*)$/
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/

function fromText(types: unknown[], text: string): unknown {
  const plain = types.includes('number') ? DECIMAL : types.includes('integer') ? INTEGER : undefined
  if (plain?.test(text) === true) {
    const number = Number(text)
    return Number.isFinite(number) ? number : text
  }
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

/**
 * Fastify's validator compiler for this service: Ajv with every error listed, unknown fields kept (and refused by
 * `additionalProperties: false`), and two guards Ajv lacks. Text parts (path, query, headers, CSV cells) become
 * numbers only when they are plain decimals, and every list is held to its `maxItems` before any of its items is
 * looked at, so a body of a million rows costs one comparison, not a million validations.
 */
export function buildValidator(externalSchemas: Record<string, Schema>) {
  const ajv = new Ajv({
    coerceTypes: false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    addUsedSchema: false,
    keywords: ['example']
  })
  formats.default(ajv)
  for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema)
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    typeof schema?.$ref === 'string' ? resolve(ajv.getSchema(schema.$ref)?.schema as Schema | undefined) : schema
  /** The types a schema allows, looking into the `allOf`/`anyOf`/`oneOf` that nullable references are written with. */
  const typesOf = (raw: Schema | undefined): unknown[] => {
    const schema = resolve(raw)
    return schema === undefined
      ? []
      : [schema.type, ...[schema.allOf, schema.anyOf, schema.oneOf].flat().filter(Boolean).flatMap(typesOf)].flat()
  }

  /** Reads text cells of an object (or of each object in a list) as the schema's numbers and booleans. */
  function coerce(raw: Schema | undefined, data: unknown) {
    const schema = resolve(raw)
    if (Array.isArray(data)) {
      for (const item of data) coerce(schema?.items, item)
    } else if (data !== null && typeof data === 'object') {
      const record = data as Record<string, unknown>
      for (const [name, value] of Object.entries(record)) {
        if (typeof value === 'string') record[name] = fromText(typesOf(schema?.properties?.[name]), value)
      }
    }
  }

  /** The first list, depth first, that is longer than its schema allows; its items are never visited. */
  function overlong(raw: Schema | undefined, data: unknown, path: string): ErrorObject | undefined {
    const schema = resolve(raw)
    if (schema === undefined || data === null || typeof data !== 'object') return undefined
    if (Array.isArray(data)) {
      if (typeof schema.maxItems === 'number' && data.length > schema.maxItems) {
        return {
          instancePath: path,
          schemaPath: '#/maxItems',
          keyword: 'maxItems',
          params: { limit: schema.maxItems },
          message: `must NOT have more than ${schema.maxItems} items (has ${data.length})`
        }
      }
      for (let i = 0; i < data.length; i++) {
        const error = overlong(schema.items, data[i], `${path}/${i}`)
        if (error !== undefined) return error
      }
      return undefined
    }
    for (const [name, value] of Object.entries(data)) {
      const error = overlong(
        schema.properties?.[name],
        value,
        `${path}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`
      )
      if (error !== undefined) return error
    }
    return undefined
  }

  return ({ schema, httpPart }: { schema: Schema; httpPart?: HttpPart }) => {
    const validate = ajv.compile(schema)
    const check = (data: unknown): boolean => {
      const tooLong = overlong(schema, data, '')
      if (tooLong !== undefined) {
        check.errors = [tooLong]
        return false
      }
      if (httpPart !== 'body' || (data as { [FROM_TEXT]?: boolean } | null)?.[FROM_TEXT] === true) coerce(schema, data)
      const valid = validate(data)
      check.errors = validate.errors ?? null
      return valid
    }
    check.errors = null as ErrorObject[] | null
    return check
  }
}
