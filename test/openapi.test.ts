import { readFile } from 'node:fs/promises'
import t from 'tap'
import { Validator } from '@seriousme/openapi-schema-validator'
import { generateContract } from '../src/cli/openapi.ts'
import { validatorOf, violations } from './contract.ts'
import { testApp } from './helpers.ts'

const committed = await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8')
const document = JSON.parse(committed)
const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation }))
)

t.test(
  'the committed contract is exactly what the code generates (run `npm run openapi` after changing a route)',
  async t => {
    t.equal(await generateContract(), committed)
  }
)

t.test('the running service serves the committed contract', async t => {
  const { app } = await testApp(t)
  t.same((await app.inject({ url: '/openapi.json' })).json(), document)
  const docs = await app.inject({ url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /^text\/html/)
})

t.test('the contract is a valid OpenAPI 3.0.3 document', async t => {
  t.equal(document.openapi, '3.0.3')
  const result = await new Validator().validate(document)
  t.same(result.errors ?? [], [])
  t.equal(result.valid, true)
})

t.test('every operation has an id, a summary, tags and a described response for each status', async t => {
  const ids = operations.map(o => o.operation.operationId)
  t.equal(new Set(ids).size, ids.length, 'operation ids are unique')
  for (const { path, method, operation } of operations) {
    const name = `${method.toUpperCase()} ${path}`
    t.ok(operation.operationId && operation.summary && operation.tags?.length, `${name} has id, summary and tags`)
    for (const [status, response] of Object.entries(
      operation.responses as Record<string, { description?: string; content?: object }>
    )) {
      t.ok(response.description && response.description !== 'Default Response', `${name} ${status} is described`)
      if (Number(status) >= 400)
        t.same(Object.keys(response.content ?? {}), ['application/problem+json'], `${name} ${status} is a problem`)
    }
  }
})

t.test('every operation under /v1 but api-info declares bearer auth, its scope, 401 and 403', async t => {
  t.same(document.components.securitySchemes.bearerAuth, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key issued with `npm run api-key -- create`.'
  })
  for (const { path, method, operation } of operations.filter(
    o => o.path.startsWith('/v1/') && o.path !== '/v1/api-info'
  )) {
    const name = `${method.toUpperCase()} ${path}`
    t.same(operation.security, [{ bearerAuth: [] }], `${name} security`)
    t.equal(operation['x-required-scopes'].length, 1, `${name} scope`)
    t.ok(operation.responses['401'] && operation.responses['403'], `${name} documents 401 and 403`)
  }
})

t.test('shared shapes are named components, referenced rather than repeated', async t => {
  for (const name of ['Problem', 'FieldError', 'Municipality', 'MunicipalityPage', 'County', 'PopulationFigure']) {
    t.ok(document.components.schemas[name], name)
  }
  t.notMatch(committed, /"def-\d+"/, 'no anonymous component names')
})

t.test('every field of every named component has an example, so the rendered docs show a complete one', async t => {
  for (const [name, schema] of Object.entries(
    document.components.schemas as Record<
      string,
      { properties?: Record<string, { example?: unknown; $ref?: string; anyOf?: unknown[]; type?: string }> }
    >
  )) {
    for (const [field, property] of Object.entries(schema.properties ?? {})) {
      const isReference = property.$ref !== undefined || property.anyOf !== undefined // the referenced component has its own examples
      if (!isReference && property.type !== 'array')
        t.not(property.example, undefined, `${name}.${field} has an example`)
    }
  }
})

t.test(
  'no keyword stands beside a $ref, where OpenAPI 3.0 ignores it (a nullable reference is anyOf the reference and ' +
    'null)',
  async t => {
    const besideRef: string[] = []
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return
      if ('$ref' in node && Object.keys(node).length > 1) besideRef.push(path)
      for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`)
    }
    walk(document, '')
    t.same(besideRef, [])
    t.same(document.components.schemas.Decision.properties.withdrawal, {
      anyOf: [{ $ref: '#/components/schemas/Withdrawal' }, { type: 'object', nullable: true, enum: [null] }]
    })
  }
)

t.test(
  'under strict OpenAPI 3.0.3 a nullable reference admits null and its component, where the allOf spelling refused ' +
    'null',
  async t => {
    const withdrawal = { reason: 'Registered for the wrong municipality.', withdrawn_at: '2019-06-01T10:00:00.000Z' }
    const nullableReference = validatorOf(document.components.schemas.Decision.properties.withdrawal)
    t.equal(nullableReference(null), true, 'null')
    t.equal(nullableReference(withdrawal), true, 'a withdrawal')
    t.equal(nullableReference({ reason: 'No time given.' }), false, 'an object that is no withdrawal')
    // 3.0.3: nullable widens only the type of its own schema object, so the allOf still refuses null.
    t.equal(
      validatorOf({ type: 'object', nullable: true, allOf: [{ $ref: '#/components/schemas/Withdrawal' }] })(null),
      false,
      'the old spelling refuses null'
    )
    t.equal(
      validatorOf({ type: 'string', nullable: true, enum: ['none'] })(null),
      false,
      'an enumeration must list null'
    )
    t.equal(
      validatorOf({ type: 'string', nullable: true, enum: ['none', null] })(null),
      true,
      'an enumeration that lists null'
    )
    t.equal(validatorOf({ type: 'string' })(null), false, 'no null without nullable')
    t.equal(validatorOf({ type: 'string', format: 'date' })('2019-02-30'), false, 'formats are checked')
    t.equal(validatorOf({ type: 'integer', format: 'int32' })(2 ** 31), false, 'int32 is 32 bits')
  }
)

t.test(
  'the contract validator refuses every kind of answer the contract does not describe, and passes the ones it does',
  async t => {
    const json = { 'content-type': 'application/json; charset=utf-8', 'api-version': '1.0.0' }
    const county = { code: '01', name: 'Stockholms län', municipality_count: 26 }
    const answer = {
      method: 'GET',
      url: '/v1/counties/01',
      statusCode: 200,
      headers: { ...json, etag: '"a"' },
      body: JSON.stringify(county)
    }
    t.same(violations(answer), [], 'a county as documented')
    t.same(violations({ ...answer, url: '/v1/countries/01' }), ['/v1/countries/01 is not a path of the contract'])
    t.same(violations({ ...answer, method: 'DELETE' }), ['DELETE is not an operation of /v1/counties/{code}'])
    t.match(violations({ ...answer, statusCode: 418 }), [/^status 418 is not documented/])
    t.match(violations({ ...answer, headers: { ...answer.headers, 'content-type': 'text/html' } }), [
      /^Content-Type text\/html is not documented for 200/
    ])
    t.same(violations({ ...answer, body: JSON.stringify({ ...county, municipality_count: -1 }) }), [
      'body /municipality_count must be >= 0'
    ])
    t.same(violations({ ...answer, body: '{' }), ['the application/json body is not JSON: {'])
    t.match(violations({ ...answer, headers: { ...answer.headers, etag: 'unquoted' } }), [
      /^header etag: "unquoted" must match pattern "/
    ])
    t.match(violations({ ...answer, headers: { ...answer.headers, 'ratelimit-remaining': 'many' } }), [
      /^header RateLimit-Remaining: "many" must be integer/
    ])
    const notModified = { ...answer, statusCode: 304, headers: { etag: '"a"', 'api-version': '1.0.0' }, body: '' }
    t.same(violations(notModified), [], 'a 304 with its ETag and nothing else')
    t.same(violations({ ...notModified, headers: { ...json, etag: '"a"' } }), [
      'a 304 has no Content-Type, but this one says application/json; charset=utf-8'
    ])
    t.same(violations({ ...notModified, headers: { 'api-version': '1.0.0' } }), ['header etag is required but missing'])
    t.same(violations({ ...notModified, body: '{}' }), ['a 304 has no body, but this one has'])
    t.same(
      violations({
        method: 'GET',
        url: '/v1/counties',
        statusCode: 200,
        headers: { ...json, etag: '"a"' },
        body: JSON.stringify({ items: [], page: 1, limit: 20, total_items: 0, total_pages: 0 })
      }),
      ['header Link is required but missing']
    )
    t.same(
      violations({ method: 'GET', url: '/docs/static/index.html', statusCode: 200, headers: {}, body: '<html>' }),
      [],
      'the docs are outside the contract on purpose'
    )
    t.same(
      violations({ method: 'GET', url: '/health/live', statusCode: 200, headers: {}, body: 'up' }),
      ['a body without a Content-Type'],
      'the probes are in the contract, and held to it'
    )
  }
)

t.test(
  'every paginated list declares the Link header its pages always send, and only operations that page do',
  async t => {
    const resolve = (schema: any): any =>
      schema?.$ref === undefined ? schema : resolve(document.components.schemas[schema.$ref.split('/').pop()])
    let pages = 0
    for (const { path, method, operation } of operations) {
      const name = `${method.toUpperCase()} ${path}`
      const ok = operation.responses['200']
      const link = ok?.headers?.Link
      if (resolve(ok?.content?.['application/json']?.schema)?.properties?.total_pages !== undefined) {
        pages++
        t.equal(
          link?.required,
          true,
          `${name} answers a page, so it declares Link (required: the validator holds every answer to it)`
        )
      }
      if (link !== undefined) {
        const query = (operation.parameters ?? [])
          .filter((p: { in: string }) => p.in === 'query')
          .map((p: { name: string }) => p.name)
        t.ok(query.includes('page') && query.includes('limit'), `${name} declares Link and takes page and limit`)
      }
    }
    t.ok(pages >= 7, `${pages} lists answer pages`)
  }
)

t.test('every conditional GET documents its 304 with a required ETag and no content', async t => {
  for (const { path, operation } of operations.filter(
    o => o.method === 'get' && o.operation.responses['200'] !== undefined
  )) {
    const notModified = operation.responses['304']
    t.equal(notModified?.content, undefined, `GET ${path} 304 has no content`)
    t.match(
      notModified?.headers?.etag,
      { required: true, schema: { type: 'string' } },
      `GET ${path} 304 carries the ETag`
    )
  }
})

t.test('every request body has a complete example', async t => {
  const resolve = (schema: { $ref?: string }) =>
    schema.$ref === undefined ? schema : document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
  for (const { path, method, operation } of operations.filter(o => o.operation.requestBody !== undefined)) {
    for (const [type, media] of Object.entries(
      operation.requestBody.content as Record<string, { schema: { $ref?: string } }>
    )) {
      t.not(resolve(media.schema).example, undefined, `${method.toUpperCase()} ${path} has a ${type} request example`)
    }
  }
})

t.test('every POST takes an Idempotency-Key and documents how a replay is marked', async t => {
  for (const { path, operation } of operations.filter(o => o.method === 'post')) {
    t.ok(
      operation.parameters?.some(
        (p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key'
      ),
      `POST ${path} takes the header`
    )
    const success = Object.entries(operation.responses as Record<string, { headers?: object }>).find(([status]) =>
      status.startsWith('2')
    )
    t.ok(
      success?.[1].headers && 'idempotent-replayed' in success[1].headers,
      `POST ${path} documents Idempotent-Replayed`
    )
  }
})

t.test(
  'the examples are complete and true: each request example, and the response example composed from the field ' +
    'examples, is valid',
  async t => {
    const at = (ref: string) =>
      ref
        .replace('#/', '')
        .split('/')
        .reduce((node: any, key) => node[key.replaceAll('~1', '/').replaceAll('~0', '~')], document)
    // What a reader of the docs sees as the example: the schema's own, or one composed from its fields'.
    const exampleOf = (schema: any): unknown => {
      if (schema.$ref !== undefined) return exampleOf(at(schema.$ref))
      if (schema.example !== undefined) return schema.example
      if (schema.anyOf !== undefined) return exampleOf(schema.anyOf[0])
      if (schema.oneOf !== undefined) return exampleOf(schema.oneOf[0])
      if (schema.type === 'array') return [exampleOf(schema.items)]
      if (schema.type === 'object')
        return Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([name, property]) => [name, exampleOf(property)])
        )
      return undefined
    }
    let checked = 0
    for (const { path, method, operation } of operations) {
      const media = [
        ...Object.entries(operation.requestBody?.content ?? {}).map(([type, m]) => ({
          type,
          m,
          parts: ['paths', path, method, 'requestBody', 'content', type, 'schema']
        })),
        ...Object.entries(operation.responses as Record<string, { content?: object }>)
          .filter(([status]) => /^2/.test(status))
          .flatMap(([status, response]) =>
            Object.entries(response.content ?? {}).map(([type, m]) => ({
              type,
              m,
              parts: ['paths', path, method, 'responses', status, 'content', type, 'schema']
            }))
          )
      ].filter(({ type }) => type === 'application/json')
      for (const { m, parts } of media) {
        const validate = validatorOf((m as { schema: object }).schema)
        const example = exampleOf((m as { schema: object }).schema)
        t.ok(
          validate(example),
          `${method.toUpperCase()} ${path} ${parts[4]}: ${JSON.stringify(validate.errors?.slice(0, 3))}`
        )
        checked++
      }
    }
    t.ok(checked > 60, `${checked} examples checked`)
  }
)
