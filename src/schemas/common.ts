import Type, { type Static, type TSchema } from 'typebox'

/**
 * A reference to a schema registered by its $id (see schemas/index.ts): the contract shows one named
 * component, while handlers keep the static type.
 */
export function ref<T extends TSchema & { $id?: string }> (schema: T) {
  if (schema.$id === undefined) throw new Error('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>({ $ref: `${schema.$id}#` })
}

/**
 * OpenAPI 3.0 has no null type: a nullable value is the type plus `nullable: true`. Beside a `$ref` that keyword
 * would be ignored, so a nullable reference is wrapped in `allOf`.
 */
export function Nullable<T extends TSchema> (schema: T) {
  const nullable = '$ref' in schema ? { allOf: [schema], nullable: true } : { ...schema, nullable: true }
  return Type.Unsafe<Static<T> | null>(nullable)
}

/** An enumeration of strings, typed so OpenAPI 3.0 tools generate a string union. */
export function StringEnum<const T extends readonly string[]> (values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options })
}

export const MunicipalityCode = Type.String({
  pattern: '^[0-9]{4}$',
  description: 'SCB municipality code (kommunkod): always four digits as a string, leading zero kept.',
  example: '0138'
})

export const CountyCode = Type.String({
  pattern: '^[0-9]{2}$',
  description: 'SCB county code (länskod): two digits as a string.',
  example: '01'
})

export const IsoDate = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD.', example: '2018-12-31' })

/** A record's id in this service: a positive integer that JavaScript and every JSON parser hold exactly. */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'An id in this service.', example: 4711 })

export const Money = Type.String({
  pattern: '^[0-9]{1,12}(\\.[0-9]{1,2})?$',
  description: 'An amount in SEK as a decimal string with at most two decimals (öre): exact, never a float.',
  example: '19500000.00'
})

export const SignedMoney = Type.String({
  pattern: '^-?[0-9]{1,12}\\.[0-9]{2}$',
  description: 'An amount in SEK that may be negative (a credit), as a decimal string with two decimals.',
  example: '-1.00'
})

export const ExactAmount = Type.String({
  pattern: '^-?[0-9]{1,14}\\.[0-9]{2,10}$',
  description: 'An unrounded amount in SEK as a decimal string with two to ten decimals: per-inhabitant shares are exact; ' +
    'weight splits are rounded half to even at the tenth decimal.',
  example: '93617.55'
})

export const Year = Type.Integer({ minimum: 2000, maximum: 2100, description: 'A calendar (financing) year.', example: 2020 })

export const Timestamp = Type.String({ format: 'date-time', description: 'An RFC 3339 timestamp in UTC.', example: '2019-11-27T09:30:00.000Z' })

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'Page number, from 1 (at most 1,000,000).' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20, description: 'Items per page, 1 to 500 (default 20).' }))
}

export const FormatQuery = {
  format: Type.Optional(StringEnum(['json', 'csv'], {
    description: 'Response format. Overrides the Accept header; `csv` gives RFC 4180 CSV with a header row.'
  }))
}

/** The envelope of every paginated list; `Link` headers carry the neighbouring pages too. */
export function Page<T extends TSchema> (item: T, name: string) {
  return Type.Object({
    items: Type.Array(item),
    page: Type.Integer({ minimum: 1, description: 'This page, from 1.', example: 1 }),
    limit: Type.Integer({ minimum: 1, description: 'The page size asked for.', example: 20 }),
    total_items: Type.Integer({ minimum: 0, description: 'Items in the whole list, all pages.', example: 26 }),
    total_pages: Type.Integer({ minimum: 0, description: 'Pages in the whole list at this limit.', example: 2 })
  }, { $id: name, additionalProperties: false, description: 'One page of a list.' })
}

/** The `If-Match` request header of every update of a versioned resource. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The `ETag` of the version you read. Without it the update is refused (428); with an old one, too (412).', example: '"period-2-v1"' }))
})

export const FieldError = Type.Object({
  detail: Type.String({ description: 'What is wrong with this field, in English.', example: 'must be >= 0' }),
  pointer: Type.Optional(Type.String({ description: 'JSON Pointer (RFC 6901) into the request body.', example: '/0/population' })),
  parameter: Type.Optional(Type.String({ description: 'The query, path or header parameter at fault.', example: 'limit' })),
  row: Type.Optional(Type.Integer({ minimum: 1, description: 'For list bodies (JSON arrays and CSV): the 1-based row, header not counted.', example: 1 }))
}, { $id: 'FieldError', additionalProperties: false, description: 'One problem with one field of a request.' })

export const Problem = Type.Object({
  type: Type.String({
    description: 'URI reference naming the kind of problem: `about:blank` for plain HTTP errors, ' +
      'otherwise one of `/problems/validation-error`, `/problems/unprocessable`, `/problems/unauthorized`, ' +
      '`/problems/forbidden`, `/problems/not-found`, `/problems/conflict`, `/problems/internal-error`.',
    example: '/problems/validation-error'
  }),
  title: Type.String({ description: 'Short summary of the kind of problem; the same for every occurrence of `type`.', example: 'The request is not valid' }),
  status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code.', example: 400 }),
  detail: Type.String({ description: 'What went wrong this time, in English.', example: 'querystring/limit must be <= 500' }),
  instance: Type.String({ description: 'The request path that failed.', example: '/v1/municipalities?limit=1000' }),
  request_id: Type.String({ description: 'Quote this to support: it finds the request in the service logs. Also sent as the `X-Request-Id` header.', example: '6afa8bde-38ed-4492-ba65-ad13016e88e2' }),
  errors: Type.Optional(Type.Array(ref(FieldError), { description: 'Every failing field, for validation problems.' }))
}, {
  $id: 'Problem',
  additionalProperties: false,
  description: 'RFC 9457 problem details, sent as `application/problem+json` for every 4xx and 5xx response.'
})
export type Problem = Static<typeof Problem>

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or fails validation; `errors` lists every failing field.',
  401: 'No API key was sent, or it is unknown or revoked.',
  403: 'The API key lacks the scope this operation needs.',
  404: 'The resource does not exist.',
  409: 'The request conflicts with the stored state (for example a record that exists already); nothing was written.',
  412: 'The `If-Match` entity tag is not the current one: someone changed the resource since you read it. Read it again.',
  413: 'The request body is larger than the service accepts.',
  415: 'The request body has a media type this operation does not accept.',
  422: 'The request is well-formed but breaks a rule of the domain; `errors` lists every failing field.',
  428: 'This update needs an `If-Match` header with the entity tag of the version you read.',
  500: 'An unexpected error; details are in the service log under the request id.',
  503: 'The service or its database is temporarily unavailable; retry later.'
}

/** Documented problem responses for the given statuses, each `application/problem+json`. */
export function problemResponses (...statuses: number[]) {
  return Object.fromEntries(statuses.map(status => [status, {
    description: STATUS_DESCRIPTIONS[status] ?? 'A problem.',
    content: { 'application/problem+json': { schema: ref(Problem) } }
  }]))
}
