import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { info, servers, TERMS_OF_USE } from './openapi-info.ts'
import { completeOperation, type Operation } from './openapi-operations.ts'

/** The contract, generated from the route schemas, at /openapi.json, with interactive docs at /docs. */
export default fp(
  async function openapi(app: FastifyInstance) {
    // Every operation that takes a body says how large it may be, for clients and for the hostile-input tests.
    app.addHook('onRoute', route => {
      if (route.schema?.body !== undefined)
        (route.schema as Record<string, unknown>)['x-max-body-bytes'] = route.bodyLimit ?? app.initialConfig.bodyLimit
    })
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info,
        servers,
        tags: [
          { name: 'api', description: 'About the API itself.' },
          {
            name: 'reference data',
            description: 'Counties (län), municipalities (kommuner) and SCB population figures (folkmängd).'
          },
          {
            name: 'recommendation periods',
            description: "SKR's recommendations (rekommendationer): years, budget, cost model, join deadlines."
          },
          {
            name: 'decisions',
            description:
              "Municipalities' decisions (beslut) on a recommendation, as registrar systems record them: " +
              'append-only, idempotent.'
          },
          {
            name: 'uptake',
            description:
              'Derived figures for BI: who answered what, who takes part in which year, and uptake (anslutning) ' +
              'over time.'
          },
          {
            name: 'cost shares',
            description:
              "What each municipality owes per year (kostnadsandel), exact and as invoiced, the year's totals, and " +
              'the weights of weighted-total periods.'
          },
          {
            name: 'invoicing',
            description:
              'Finance locks a year as invoices (fakturering), frozen for good, and records payments; later changes ' +
              'show as differences to settle.'
          },
          {
            name: 'settlements',
            description:
              'Finance settles the differences of an invoiced year (avräkning): credit notes (kreditfakturor) and ' +
              'supplementary invoices (tilläggsfakturor) that reference the original invoice, paid or refunded like ' +
              'invoices.'
          },
          {
            name: 'e-invoices',
            description:
              'Every invoice, credit note and supplementary invoice as a Peppol BIS Billing 3.0 document (UBL 2.1), ' +
              'the EN 16931 e-invoice Swedish public buyers receive (lag 2018:1277), singly or a year at a time.'
          },
          {
            name: 'cost allocations',
            description:
              "A municipality's internal split of its share across operational areas (verksamhetsområden) and " +
              'committees (nämnder).'
          },
          {
            name: 'quality registers',
            description:
              'The national quality registers (kvalitetsregister) the register budget line pays, and their payee ' +
              'details.'
          },
          {
            name: 'register payouts',
            description:
              "Each year's register money allocated to the quality registers, paid out to them (utbetalning) and " +
              'reported against what was collected.'
          },
          {
            name: 'events',
            description:
              'Every write as an event, in the order of the writes, for partners who follow changes instead of polling each ' +
              'list: read the feed with a cursor (`GET /v1/events?after=`), or have the events sent (webhooks).'
          },
          {
            name: 'webhooks',
            description: [
              'An admin creates an endpoint with a URL and the kinds of event it wants, and keeps the secret shown ' +
                'once. Each event is then POSTed to it as JSON: the same object the feed gives, documented by the ' +
                '`…Event` schemas (`id`, `type`, `timestamp`, `resource_url`, and `data`, the resource as its write ' +
                'answered it). The headers are those of the Standard Webhooks specification:',
              '- `webhook-id`: `evt_` and the event id, the same on every retry: drop repeats by it.',
              '- `webhook-timestamp`: when this attempt was sent, in seconds since 1970: refuse one far from now.',
              '- `webhook-signature`: `v1,` and the base64 HMAC-SHA256, keyed with the secret (the base64 after ' +
                '`whsec_`), of `<webhook-id>.<webhook-timestamp>.<body>`.',
              '',
              'Verify with any Standard Webhooks library (`new Webhook(secret).verify(body, headers)`) or with ' +
                '`verifyWebhook` of the client in `client/`. Answer 2xx within 10 seconds and do the work later. ' +
                'Delivery is at least once and in feed order per endpoint: a failed event is retried with ' +
                'exponential backoff (about 2, 4, 8 seconds and on, at most an hour apart) and holds back the later ' +
                'ones, so a receiver that is down gets everything, in order, when it is back. After three days of ' +
                'failures the endpoint is disabled with the reason; reactivating it resumes where it stopped. Every ' +
                'attempt is in the delivery log. URLs must ' +
                'be http or https on a public address.'
            ].join('\n')
          },
          { name: 'operations', description: 'Probes for the deployment.' }
        ],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'An API key issued with `npm run api-key -- create`.'
            }
          }
        }
      },
      transformObject: document => {
        if (!('openapiObject' in document)) return document.swaggerObject
        const { openapiObject } = document
        for (const [path, operations] of Object.entries(openapiObject.paths ?? {})) {
          for (const [method, operation] of Object.entries(operations as Record<string, Operation>))
            completeOperation(path, method, operation)
        }
        return openapiObject
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, index) => (json.$id as string | undefined) ?? `def-${index}`
      }
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
    app.get('/terms', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/markdown; charset=utf-8').send(TERMS_OF_USE)
    )
  },
  { name: 'openapi' }
)
