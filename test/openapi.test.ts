import { readFile } from 'node:fs/promises'
import t from 'tap'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import { generateContract } from '../src/cli/openapi.ts'
import { testApp } from './helpers.ts'

const committed = await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8')
const document = JSON.parse(committed)
const operations = Object.entries(document.paths as Record<string, Record<string, any>>)
  .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })))

t.test('the committed contract is exactly what the code generates (run `npm run openapi` after changing a route)', async (t) => {
  t.equal(await generateContract(), committed)
})

t.test('the running service serves the committed contract', async (t) => {
  const { app } = await testApp(t)
  t.same((await app.inject({ url: '/openapi.json' })).json(), document)
  const docs = await app.inject({ url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /^text\/html/)
})

t.test('the contract is a valid OpenAPI 3.0.3 document', async (t) => {
  t.equal(document.openapi, '3.0.3')
  const result = await new Validator().validate(document)
  t.same(result.errors ?? [], [])
  t.equal(result.valid, true)
})

t.test('every operation has an id, a summary, tags and a described response for each status', async (t) => {
  const ids = operations.map(o => o.operation.operationId)
  t.equal(new Set(ids).size, ids.length, 'operation ids are unique')
  for (const { path, method, operation } of operations) {
    const name = `${method.toUpperCase()} ${path}`
    t.ok(operation.operationId && operation.summary && operation.tags?.length, `${name} has id, summary and tags`)
    for (const [status, response] of Object.entries(operation.responses as Record<string, { description?: string, content?: object }>)) {
      t.ok(response.description && response.description !== 'Default Response', `${name} ${status} is described`)
      if (Number(status) >= 400) t.same(Object.keys(response.content ?? {}), ['application/problem+json'], `${name} ${status} is a problem`)
    }
  }
})

t.test('every operation under /v1 but api-info declares bearer auth, its scope, 401 and 403', async (t) => {
  t.same(document.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'An API key issued with `npm run api-key -- create`.' })
  for (const { path, method, operation } of operations.filter(o => o.path.startsWith('/v1/') && o.path !== '/v1/api-info')) {
    const name = `${method.toUpperCase()} ${path}`
    t.same(operation.security, [{ bearerAuth: [] }], `${name} security`)
    t.equal(operation['x-required-scopes'].length, 1, `${name} scope`)
    t.ok(operation.responses['401'] && operation.responses['403'], `${name} documents 401 and 403`)
  }
})

t.test('shared shapes are named components, referenced rather than repeated', async (t) => {
  for (const name of ['Problem', 'FieldError', 'Municipality', 'MunicipalityPage', 'County', 'PopulationFigure']) {
    t.ok(document.components.schemas[name], name)
  }
  t.notMatch(committed, /"def-\d+"/, 'no anonymous component names')
})

t.test('every field of every named component has an example, so the rendered docs show a complete one', async (t) => {
  for (const [name, schema] of Object.entries(document.components.schemas as Record<string, { properties?: Record<string, { example?: unknown, $ref?: string, allOf?: unknown[], type?: string }> }>)) {
    for (const [field, property] of Object.entries(schema.properties ?? {})) {
      const isReference = property.$ref !== undefined || property.allOf !== undefined // the referenced component has its own examples
      if (!isReference && property.type !== 'array') t.not(property.example, undefined, `${name}.${field} has an example`)
    }
  }
})

t.test('no keyword stands beside a $ref, where OpenAPI 3.0 ignores it (a nullable reference is wrapped in allOf, beside its type)', async (t) => {
  const besideRef: string[] = []
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') return
    if ('$ref' in node && Object.keys(node).length > 1) besideRef.push(path)
    for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`)
  }
  walk(document, '')
  t.same(besideRef, [])
  t.same(document.components.schemas.Decision.properties.withdrawal, { type: 'object', allOf: [{ $ref: '#/components/schemas/Withdrawal' }], nullable: true })
})

t.test('every request body has a complete example', async (t) => {
  const resolve = (schema: { $ref?: string }) => schema.$ref === undefined ? schema : document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
  for (const { path, method, operation } of operations.filter(o => o.operation.requestBody !== undefined)) {
    const schema = resolve(operation.requestBody.content['application/json'].schema)
    t.not(schema.example, undefined, `${method.toUpperCase()} ${path} has a request example`)
  }
})

t.test('every POST takes an Idempotency-Key and documents how a replay is marked', async (t) => {
  for (const { path, operation } of operations.filter(o => o.method === 'post')) {
    t.ok(operation.parameters?.some((p: { in: string, name: string }) => p.in === 'header' && p.name === 'idempotency-key'), `POST ${path} takes the header`)
    const success = Object.entries(operation.responses as Record<string, { headers?: object }>).find(([status]) => status.startsWith('2'))
    t.ok(success?.[1].headers && 'idempotent-replayed' in success[1].headers, `POST ${path} documents Idempotent-Replayed`)
  }
})

t.test('the examples are complete and true: each request example, and the response example composed from the field examples, is valid', async (t) => {
  const ajv = new Ajv({ strict: false, allErrors: true })
  formats.default(ajv)
  ajv.addSchema({ ...document, $id: 'contract' })
  const pointer = (...parts: string[]) => `contract#/${parts.map(p => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`
  const at = (ref: string) => ref.replace('#/', '').split('/').reduce((node: any, key) => node[key.replaceAll('~1', '/').replaceAll('~0', '~')], document)
  // What a reader of the docs sees as the example: the schema's own, or one composed from its fields'.
  const exampleOf = (schema: any): unknown => {
    if (schema.$ref !== undefined) return exampleOf(at(schema.$ref))
    if (schema.example !== undefined) return schema.example
    if (schema.allOf !== undefined) return exampleOf(schema.allOf[0])
    if (schema.type === 'array') return [exampleOf(schema.items)]
    if (schema.type === 'object') return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, exampleOf(property)]))
    return undefined
  }
  let checked = 0
  for (const { path, method, operation } of operations) {
    const media = [
      ...Object.entries(operation.requestBody?.content ?? {}).map(([type, m]) => ({ type, m, parts: ['paths', path, method, 'requestBody', 'content', type, 'schema'] })),
      ...Object.entries(operation.responses as Record<string, { content?: object }>).filter(([status]) => /^2/.test(status))
        .flatMap(([status, response]) => Object.entries(response.content ?? {}).map(([type, m]) => ({ type, m, parts: ['paths', path, method, 'responses', status, 'content', type, 'schema'] })))
    ].filter(({ type }) => type === 'application/json')
    for (const { m, parts } of media) {
      const validate = ajv.compile({ $ref: pointer(...parts) })
      const example = exampleOf((m as { schema: object }).schema)
      t.ok(validate(example), `${method.toUpperCase()} ${path} ${parts[4]}: ${ajv.errorsText(validate.errors)}`)
      checked++
    }
  }
  t.ok(checked > 60, `${checked} examples checked`)
})
