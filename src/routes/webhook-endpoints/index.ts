import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { hostOf, webhookUrlProblem } from '../../domain/webhooks.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { IdempotencyHeaders, replayedHeader, write } from '../../http/write.ts'
import { keyOf, requireScope } from '../../plugins/auth.ts'
import { problem } from '../../plugins/problems.ts'
import * as endpoints from '../../queries/webhook-endpoints.ts'
import { locationHeader, problemResponses, ref } from '../../schemas/common.ts'
import {
  CreatedWebhookEndpoint,
  MAX_ENDPOINTS,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookEndpoint,
  WebhookEndpointInput,
  WebhookEndpointList,
  WebhookEndpointParams
} from '../../schemas/webhook-endpoints.ts'
import { hostProblem } from '../../webhooks/send.ts'

const TAGS = ['webhooks']
const SIGNED =
  'Each delivery is a POST of one event (the same JSON as in `GET /v1/events`), signed as Standard Webhooks ' +
  'specifies: `webhook-id` (`evt_` and the event id, the same on every retry), `webhook-timestamp` and ' +
  '`webhook-signature` (HMAC-SHA256 with the secret). Events go out in the order of the feed, at least once: answer ' +
  '2xx within 10 seconds, and drop repeats by `webhook-id`. A failed delivery is retried with exponential backoff ' +
  '(2 seconds, doubling, at most an hour apart) and holds back the later events; after three days of failures the ' +
  'endpoint is disabled with the reason.'

/** Standard Webhooks' secret: `whsec_` and base64 of 24 random bytes (192 bits, within the 24 to 64 it allows). */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        summary: 'Subscribe to events by webhook',
        description: `For admins: an endpoint that is sent the events of the kinds it names, from now on. ${SIGNED} The secret is in this answer only.`,
        tags: TAGS,
        ...requireScope('admin'),
        headers: IdempotencyHeaders,
        body: ref(WebhookEndpointInput),
        response: {
          201: {
            description: 'The endpoint was created; keep its secret, which is not shown again.',
            headers: { ...locationHeader("The endpoint's URL."), ...replayedHeader },
            content: { 'application/json': { schema: ref(CreatedWebhookEndpoint) } }
          },
          ...problemResponses(400, 401, 403, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) => {
      const input = request.body
      // Inside the write, so that a retry with the same Idempotency-Key replays its answer even if the host's
      // addresses have changed since. Resolving takes no lock and no transaction id: it holds back nothing.
      return write(request, reply, { status: 201, event: null }, async (trx, key) => {
        const wrong =
          webhookUrlProblem(input.url) ?? (await hostProblem(hostOf(new URL(input.url)), app.allowPrivateWebhookUrls))
        if (wrong !== undefined)
          throw problem(422, 'The webhook URL cannot be used; nothing was written.', {
            errors: [{ pointer: '/url', detail: wrong }]
          })
        if ((await endpoints.countOf(trx, key.client)) >= MAX_ENDPOINTS)
          throw problem(409, `You have ${MAX_ENDPOINTS} webhook endpoints already: delete one first.`)
        const secret = newSecret()
        const endpoint = await endpoints.insert(trx, input, secret, key)
        return { body: { ...endpoint, secret }, headers: { location: `/v1/webhook-endpoints/${endpoint.id}` } }
      })
    }
  )

  app.get(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        summary: 'List your webhook endpoints',
        description:
          'For admins: the endpoints your client made (those of other clients are not shown), with their state.',
        tags: TAGS,
        ...requireScope('admin'),
        response: {
          200: {
            description: 'Your endpoints.',
            content: { 'application/json': { schema: ref(WebhookEndpointList) } }
          },
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async request => ({ items: await endpoints.all(app.db, keyOf(request).client) })
  )

  app.get(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        summary: 'Get one of your webhook endpoints',
        tags: TAGS,
        ...requireScope('admin'),
        params: WebhookEndpointParams,
        response: {
          200: { description: 'The endpoint.', content: { 'application/json': { schema: ref(WebhookEndpoint) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => endpoints.findOrFail(app.db, keyOf(request).client, request.params.id)
  )

  app.delete(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        summary: 'Delete one of your webhook endpoints',
        description:
          'Nothing more is sent to it; an attempt under way finishes. It and its delivery log are no longer shown (the ' +
          'log is kept 30 days, as for every endpoint, for support).',
        tags: TAGS,
        ...requireScope('admin'),
        params: WebhookEndpointParams,
        response: {
          204: { description: 'The endpoint was deleted.', type: 'null' },
          // A DELETE takes no body, but one may be sent: past the limit it is 413, and in another type than JSON 415.
          ...problemResponses(400, 401, 403, 404, 413, 415)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 204, event: null }, async (trx, key) => {
        await endpoints.remove(trx, key.client, request.params.id)
        return { body: undefined }
      })
  )

  app.post(
    '/webhook-endpoints/:id/reactivation',
    {
      schema: {
        operationId: 'reactivateWebhookEndpoint',
        summary: 'Enable a disabled webhook endpoint again',
        description:
          'For admins, once the receiver works again: deliveries resume where they stopped, with the event that ' +
          'failed, and go on in order through everything since (the feed keeps 30 days). Only a disabled endpoint ' +
          'can be reactivated.',
        tags: TAGS,
        ...requireScope('admin'),
        params: WebhookEndpointParams,
        headers: IdempotencyHeaders,
        response: {
          200: {
            description: 'The endpoint, enabled.',
            headers: replayedHeader,
            content: { 'application/json': { schema: ref(WebhookEndpoint) } }
          },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 200, event: null }, async (trx, key) => {
        const { id } = request.params
        const current = await endpoints.findOrFail(trx, key.client, id)
        const enabled = await endpoints.reactivate(trx, key.client, id)
        if (enabled === undefined) throw problem(409, `Webhook endpoint ${id} is ${current.status}, not disabled.`)
        return { body: enabled }
      })
  )

  app.get(
    '/webhook-endpoints/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "Read an endpoint's delivery log",
        description:
          'For admins: every attempt to deliver an event to one of your endpoints, newest first, with what the ' +
          'receiver answered. Kept as long as the feed keeps its events.',
        tags: TAGS,
        ...requireScope('admin'),
        params: WebhookEndpointParams,
        querystring: WebhookDeliveryQuery,
        response: {
          200: {
            description: 'One page of attempts.',
            content: { 'application/json': { schema: ref(WebhookDeliveryPage) } }
          },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const { id } = request.params
      await endpoints.findOrFail(app.db, keyOf(request).client, id)
      const page = pageOf(request.query)
      const { items, total } = await endpoints.deliveries(app.db, id, offsetOf(page))
      return paginate(request, reply, page, items, total)
    }
  )
}

export default routes
