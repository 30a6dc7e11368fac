import Type, { type Static, type TSchema } from 'typebox'

/**
 * A reference to a schema registered by its $id (see schemas/index.ts): the contract shows one named
 * component, while handlers keep the static type.
 */
export function ref<T extends TSchema & { $id?: string }>(schema: T) {
  if (schema.$id === undefined) throw new Error('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>({ $ref: `${schema.$id}#` })
}

/**
 * OpenAPI 3.0 has no null type: a nullable value is the type plus `nullable: true`, which (3.0.3, § Schema Object)
 * adds null only to the `type` of its own schema object; any other keyword there still applies to null, so an
 * enumeration must list null among its values. A reference has no type of its own, and `nullable` beside an
 * `allOf` of it lets null through the type only for the `allOf` to refuse it: strict validators (Prism) rejected
 * our nulls. So a nullable reference is "the component, or null" spelled as 3.0.3 reads it (OAI's "Clarify
 * nullable" proposal, and its issue 1368): `anyOf` the reference and a schema whose only value is null. That null
 * schema has a type, so tools that take an untyped schema to forbid null still read it; generated clients type the
 * field `Component | null`, and fast-json-stringify serialises the branch the value matches.
 */
export function Nullable<T extends TSchema>(schema: T) {
  const nullable =
    '$ref' in schema
      ? { anyOf: [schema, { type: 'object', nullable: true, enum: [null] }] }
      : { ...schema, nullable: true, ...('enum' in schema && { enum: [...(schema.enum as unknown[]), null] }) }
  return Type.Unsafe<Static<T> | null>(nullable)
}

/** An enumeration of strings, typed so OpenAPI 3.0 tools generate a string union. */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options })
}

/**
 * An integer that fits 32 bits, as OWASP's API rules want every integer sized and bounded: counts, years,
 * versions, pages. Pass `minimum` (and a tighter `maximum` where the domain has one).
 */
export function Int32(options: { minimum: number; maximum?: number; [keyword: string]: unknown }) {
  return Type.Integer({ format: 'int32', maximum: 2_147_483_647, ...options })
}

/** Room for every municipality in lists of them: Sweden has 290, and a bound keeps clients' buffers sized. */
export const MAX_MUNICIPALITIES = 1000

/** A problem lists the first 100 of its field errors (plugins/problems.ts) and counts them all in `error_count`. */
const MAX_FIELD_ERRORS = 100

/**
 * Any characters but control characters other than tab and line breaks, which no text here needs and PostgreSQL cannot
 * even store (NUL).
 */
export const TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$'

/** Text written by people: names, notes, reasons. */
export function FreeText(options: { maxLength: number; [keyword: string]: unknown }) {
  return Type.String({ pattern: TEXT, ...options })
}

export const MunicipalityCode = Type.String({
  maxLength: 4,
  pattern: '^[0-9]{4}$',
  description: 'SCB municipality code (kommunkod): always four digits as a string, leading zero kept.',
  example: '0138'
})

export const MunicipalityName = FreeText({
  maxLength: 100,
  description: "The municipality's name, as SCB writes it.",
  example: 'Tyresö'
})

export const CountyCode = Type.String({
  maxLength: 2,
  pattern: '^[0-9]{2}$',
  description: 'SCB county code (länskod): two digits as a string.',
  example: '01'
})

export const IsoDate = Type.String({
  maxLength: 10,
  format: 'date',
  description: 'A calendar date, YYYY-MM-DD.',
  example: '2018-12-31'
})

/** A record's id in this service: a positive integer that JavaScript and every JSON parser hold exactly. */
export const Id = Type.Integer({
  format: 'int64',
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'An id in this service.',
  example: 4711
})

export const Money = Type.String({
  maxLength: 15,
  pattern: '^[0-9]{1,12}(\\.[0-9]{1,2})?$',
  description: 'An amount in SEK as a decimal string with at most two decimals (öre): exact, never a float.',
  example: '19500000.00'
})

/**
 * Put before a decimal pattern, refuses zero written any way ("0", "0.00", "000"): for the amounts, rates and weights
 * that the database holds to be more than 0, so a zero is a 400 naming the field, not a refused write.
 */
export const NOT_ZERO = '(?![0.]*$)'

export const PositiveMoney = Type.String({
  maxLength: 15,
  pattern: `^${NOT_ZERO}[0-9]{1,12}(\\.[0-9]{1,2})?$`,
  description:
    'An amount in SEK of more than 0, as a decimal string with at most two decimals (öre): exact, never a float.',
  example: '2500000.00'
})

export const SignedMoney = Type.String({
  maxLength: 16,
  pattern: '^-?[0-9]{1,12}\\.[0-9]{2}$',
  description: 'An amount in SEK that may be negative (a credit), as a decimal string with two decimals.',
  example: '-1.00'
})

export const ExactAmount = Type.String({
  maxLength: 26,
  pattern: '^-?[0-9]{1,14}\\.[0-9]{2,10}$',
  description:
    'An unrounded amount in SEK as a decimal string with two to ten decimals: per-inhabitant shares are exact; ' +
    'weight splits are rounded half to even at the tenth decimal.',
  example: '93617.55'
})

export const Year = Int32({ minimum: 2000, maximum: 2100, description: 'A calendar (financing) year.', example: 2020 })

export const Timestamp = Type.String({
  maxLength: 35,
  format: 'date-time',
  description: 'An RFC 3339 timestamp in UTC.',
  example: '2019-11-27T09:30:00.000Z'
})

export const PageQuery = {
  page: Type.Optional(
    Int32({ minimum: 1, maximum: 1_000_000, default: 1, description: 'Page number, from 1 (at most 1,000,000).' })
  ),
  limit: Type.Optional(
    Int32({ minimum: 1, maximum: 500, default: 20, description: 'Items per page, 1 to 500 (default 20).' })
  )
}

export const FormatQuery = {
  format: Type.Optional(
    StringEnum(['json', 'csv'], {
      description: 'Response format. Overrides the Accept header; `csv` gives RFC 4180 CSV with a header row.'
    })
  )
}

/** The envelope of every paginated list; `Link` headers carry the neighbouring pages too. */
export function Page<T extends TSchema>(item: T, name: string) {
  return Type.Object(
    {
      items: Type.Array(item, { maxItems: 500, description: "This page's items." }),
      page: Int32({ minimum: 1, description: 'This page, from 1.', example: 1 }),
      limit: Int32({ minimum: 1, description: 'The page size asked for.', example: 20 }),
      total_items: Int32({ minimum: 0, description: 'Items in the whole list, all pages.', example: 26 }),
      total_pages: Int32({ minimum: 0, description: 'Pages in the whole list at this limit.', example: 2 })
    },
    { $id: name, additionalProperties: false, description: 'One page of a list.' }
  )
}

/** An RFC 9110 entity-tag, as `ETag` and `If-Match` carry it: an opaque quoted string, weak when prefixed W/. */
export const ENTITY_TAG = '^(W/)?"[^"]*"$'

/** What `If-Match` and `If-None-Match` carry: `*`, or a list of entity-tags. */
export const ENTITY_TAG_CONDITION = '^(\\*|(W/)?"[^"]*"(\\s*,\\s*(W/)?"[^"]*")*)$'

/** A list or report as CSV (plugins/csv.ts): text, bounded like every string of the contract. */
export const CsvText = {
  type: 'string',
  maxLength: 64 * 1024 * 1024,
  pattern: TEXT,
  description: 'RFC 4180 CSV, UTF-8: a header row naming the fields of the JSON form, then one row per item.',
  example: 'code,name\r\n01,Stockholms län\r\n'
} as const

/** A 200 that is JSON or, for lists and reports, CSV (plugins/csv.ts decides which, and gives it a `.csv` twin). */
export function jsonOrCsv(description: string, schema: TSchema & { $id?: string }) {
  return { description, content: { 'application/json': { schema: ref(schema) }, 'text/csv': { schema: CsvText } } }
}

/** The `Location` header of a response that created or changed a resource. */
export function locationHeader(description: string) {
  return {
    location: {
      type: 'string',
      format: 'uri-reference',
      maxLength: 2048,
      description,
      example: '/v1/register-payouts/12'
    }
  }
}

/** The `If-Match` request header of every update of a versioned resource. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      maxLength: 200,
      pattern: ENTITY_TAG_CONDITION,
      description:
        'The `ETag` of the version you read. Without it the update is refused (428); with an old one, too (412).',
      example: '"period-2-v1"'
    })
  )
})

export const FieldError = Type.Object(
  {
    detail: FreeText({
      maxLength: 2000,
      description: 'What is wrong with this field, in English.',
      example: 'must be >= 0'
    }),
    pointer: Type.Optional(
      FreeText({
        maxLength: 2000,
        description: 'JSON Pointer (RFC 6901) into the request body.',
        example: '/0/population'
      })
    ),
    parameter: Type.Optional(
      FreeText({ maxLength: 200, description: 'The query, path or header parameter at fault.', example: 'limit' })
    ),
    row: Type.Optional(
      Int32({
        minimum: 1,
        description: 'For list bodies (JSON arrays and CSV): the 1-based row, header not counted.',
        example: 1
      })
    )
  },
  { $id: 'FieldError', additionalProperties: false, description: 'One problem with one field of a request.' }
)

export const Problem = Type.Object(
  {
    type: Type.String({
      maxLength: 200,
      pattern: '^(about:blank|/problems/[a-z-]+)$',
      description:
        'URI reference naming the kind of problem: `about:blank` for plain HTTP errors, ' +
        'otherwise one of `/problems/validation-error`, `/problems/unprocessable`, `/problems/unauthorized`, ' +
        '`/problems/forbidden`, `/problems/not-found`, `/problems/conflict`, `/problems/internal-error`.',
      example: '/problems/validation-error'
    }),
    title: FreeText({
      maxLength: 200,
      description: 'Short summary of the kind of problem; the same for every occurrence of `type`.',
      example: 'The request is not valid'
    }),
    status: Int32({ minimum: 400, maximum: 599, description: 'The HTTP status code.', example: 400 }),
    detail: FreeText({
      maxLength: 4000,
      description: 'What went wrong this time, in English.',
      example: 'querystring/limit must be <= 500'
    }),
    instance: FreeText({
      maxLength: 8192,
      description: 'The request path that failed.',
      example: '/v1/municipalities?limit=1000'
    }),
    request_id: Type.String({
      maxLength: 64,
      pattern: '^[\\w.-]{1,64}$',
      description:
        'Quote this to support: it finds the request in the service logs. Also sent as the `X-Request-Id` header.',
      example: '6afa8bde-38ed-4492-ba65-ad13016e88e2'
    }),
    errors: Type.Optional(
      Type.Array(ref(FieldError), {
        maxItems: MAX_FIELD_ERRORS,
        description:
          'The failing fields, for validation and domain problems: the first 100, in the order of the request (by ' +
          'row, for list bodies).'
      })
    ),
    error_count: Type.Optional(
      Int32({
        minimum: 0,
        description:
          'How many failing fields there are in all, when `errors` is given; more than 100 means `errors` lists ' +
          'only the first 100.',
        example: 1
      })
    )
  },
  {
    $id: 'Problem',
    additionalProperties: false,
    description: 'RFC 9457 problem details, sent as `application/problem+json` for every 4xx and 5xx response.'
  }
)
export type Problem = Static<typeof Problem>

export const STATUS_DESCRIPTIONS = {
  400: 'The request is malformed or fails validation; `errors` lists every failing field.',
  401: 'No API key was sent, or it is unknown or revoked.',
  403: 'The API key lacks the scope this operation needs.',
  404: 'The resource does not exist.',
  406: 'The `Accept` header allows none of the media types this operation answers with.',
  409: 'The request conflicts with the stored state (for example a record that exists already); nothing was written.',
  412:
    'The `If-Match` entity tag is not the current one: someone changed the resource since you read it. Read it ' +
    'again.',
  410: 'What the request asks for is no longer kept (an event feed cursor older than its retention).',
  413: 'The request body is larger than the service accepts.',
  414: 'A path parameter is longer than the service accepts (100 characters).',
  415: 'The request body has a media type this operation does not accept.',
  422: 'The request is well-formed but breaks a rule of the domain; `errors` lists every failing field.',
  428: 'This update needs an `If-Match` header with the entity tag of the version you read.',
  429: 'Too many requests from this API key (or, without a key, this address) this minute; wait `Retry-After` seconds.',
  431: "The request's headers are larger than the service accepts (16 KiB in all).",
  500: 'An unexpected error; details are in the service log under the request id.',
  503: 'The service or its database is temporarily unavailable; retry later.'
} as const

/** Documented problem responses for the given statuses, each `application/problem+json`. */
export function problemResponses(...statuses: Array<keyof typeof STATUS_DESCRIPTIONS>) {
  return Object.fromEntries(
    statuses.map(status => [
      status,
      {
        description: STATUS_DESCRIPTIONS[status],
        content: { 'application/problem+json': { schema: ref(Problem) } }
      }
    ])
  )
}
