import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { release } from '../release.ts'

const DESCRIPTION = `The system of record for Swedish municipalities' joint financing of knowledge management in
social services (gemensam finansiering av socialtjänstens kunskapsstyrning).

SKR (Sveriges Kommuner och Regioner) recommends that all 290 municipalities (kommuner) finance national
support together; each municipality decides for itself. This API holds the reference data (counties,
municipalities, SCB population figures), the decisions, the uptake figures, each municipality's cost share
and the payouts to the quality registers.

**Conventions.** JSON in and out, \`snake_case\` fields, dates \`YYYY-MM-DD\`, timestamps RFC 3339 in UTC,
municipality codes as 4-digit strings. Lists take \`page\` (from 1) and \`limit\` (default 20, at most 500)
and send RFC 8288 \`Link\` headers. Reads send an \`ETag\` and answer \`If-None-Match\` with 304. Lists and
figures also come as CSV (\`Accept: text/csv\` or \`format=csv\`). Request bodies are JSON or CSV, at most 1 MiB (decision imports: 4 MiB). Every error is an RFC 9457
\`application/problem+json\` document; validation problems list every failing field.

**Authentication.** Send an API key as \`Authorization: Bearer <token>\`. Each operation names the scope it
needs in \`x-required-scopes\` (\`read\`, \`decisions:write\`, \`finance:write\`, \`allocations:write\` or \`admin\`). A deployment may
open reads to everyone (\`PUBLIC_READ=true\`).

Population figures: Källa/Source: SCB (Statistics Sweden), CC BY 4.0.`

interface Operation {
  summary?: string
  description?: string
  parameters?: unknown[]
  requestBody?: { content?: Record<string, { schema: unknown }> }
  responses?: Record<string, { description: string, headers?: Record<string, unknown> }>
  'x-required-scopes'?: string[]
}

const ETAG_HEADER = { description: 'A tag of this exact response: send it as `If-None-Match` to poll cheaply.', schema: { type: 'string' } }
const IF_NONE_MATCH = {
  in: 'header',
  name: 'If-None-Match',
  required: false,
  description: 'An `ETag` from an earlier response: if the answer is unchanged, you get 304 with no body.',
  schema: { type: 'string', example: '"h3Jc9bQk2l6mVZk1pS0yXw"' }
}

/** The contract, generated from the route schemas, at /openapi.json, with interactive docs at /docs. */
export default fp(async function openapi (app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: release.name,
        version: release.version,
        description: DESCRIPTION,
        contact: { name: 'API support' },
        license: { name: 'Data: CC BY 4.0 (SCB); reference data sources in data/PROVENANCE.md', url: 'https://creativecommons.org/licenses/by/4.0/' }
      },
      servers: [{ url: '/', description: 'This service' }],
      tags: [
        { name: 'api', description: 'About the API itself.' },
        { name: 'reference data', description: 'Counties (län), municipalities (kommuner) and SCB population figures (folkmängd).' },
        { name: 'recommendation periods', description: 'SKR\'s recommendations (rekommendationer): years, budget, cost model, join deadlines.' },
        { name: 'decisions', description: 'Municipalities\' decisions (beslut) on a recommendation, as registrar systems record them: append-only, idempotent.' },
        { name: 'uptake', description: 'Derived figures for BI: who answered what, who takes part in which year, and uptake (anslutning) over time.' },
        { name: 'cost shares', description: 'What each municipality owes per year (kostnadsandel), exact and as invoiced, the year\'s totals, and the weights of weighted-total periods.' },
        { name: 'invoicing', description: 'Finance locks a year as invoices (fakturering), frozen for good, and records payments; later changes show as differences to settle.' },
        { name: 'cost allocations', description: 'A municipality\'s internal split of its share across operational areas (verksamhetsområden) and committees (nämnder).' },
        { name: 'operations', description: 'Probes for the deployment.' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key issued with `npm run api-key -- create`.' }
        }
      }
    },
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject
      const { openapiObject } = document
      for (const operations of Object.values(openapiObject.paths ?? {})) {
        for (const [method, operation] of Object.entries(operations as Record<string, Operation>)) {
          // Every successful GET is tagged and answers If-None-Match (plugins/etag.ts): say so where generators look.
          const ok = operation.responses?.['200']
          if (method === 'get' && ok !== undefined) {
            ok.headers = { etag: ETAG_HEADER, ...ok.headers }
            operation.parameters = [...(operation.parameters ?? []), IF_NONE_MATCH]
            operation.responses = { 200: ok, 304: { description: 'Not modified: the `If-None-Match` tag is still current. No body.' }, ...operation.responses }
          }
          // A CSV request body is parsed into rows and validated with the JSON schema, but on the wire it is text.
          // @fastify/swagger shares one media-type object between the consumed types, so it is replaced, not changed.
          const content = operation.requestBody?.content
          if (content?.['text/csv'] !== undefined) content['text/csv'] = { schema: { type: 'string', description: 'RFC 4180 CSV: a header row naming the fields of the JSON form, then one row per item.' } }
          // Readers of the rendered docs see the scope too, not only generators reading the extension.
          const scope = operation['x-required-scopes']?.[0]
          if (scope !== undefined) operation.description = `${operation.description ?? operation.summary ?? ''}\n\nNeeds an API key with the scope \`${scope}\`.`.trim()
        }
      }
      return openapiObject
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => (json.$id as string | undefined) ?? `def-${index}`
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'openapi' })
