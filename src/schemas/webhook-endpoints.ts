import Type, { type Static } from 'typebox'
import { FreeText, Id, Int32, Nullable, Page, PageQuery, ref, StringEnum, Timestamp } from './common.ts'
import { EVENT_TYPES } from './events.ts'

/** At most this many endpoints per client: each is a stream of deliveries the service keeps up. */
export const MAX_ENDPOINTS = 20

const EventTypes = Type.Array(
  StringEnum([...EVENT_TYPES, '*'], {
    description: 'A kind of event, or `*` for every kind.',
    example: 'decision.recorded'
  }),
  {
    minItems: 1,
    maxItems: 50,
    uniqueItems: true,
    description: 'The kinds of event to deliver; `*` delivers every kind, including kinds added later.'
  }
)

const fields = {
  url: Type.String({
    format: 'uri',
    maxLength: 2048,
    pattern: '^https?://',
    description:
      'Where to POST the events: an http or https URL (https in production) on a public address. Loopback and ' +
      'private addresses are refused unless the service is configured to allow them (WEBHOOK_ALLOW_PRIVATE_URLS).',
    example: 'https://ekonomi.example.se/hooks/joint-financing'
  }),
  event_types: EventTypes,
  description: Type.Optional(
    FreeText({ maxLength: 200, description: 'What the endpoint is for.', example: 'Invoicing in the finance system' })
  )
}

export const WebhookEndpointInput = Type.Object(fields, {
  $id: 'WebhookEndpointInput',
  additionalProperties: false,
  description: 'A webhook endpoint to create.',
  example: {
    url: 'https://ekonomi.example.se/hooks/joint-financing',
    event_types: ['year.invoiced', 'invoice.paid'],
    description: 'Invoicing in the finance system'
  }
})
export type WebhookEndpointInput = Static<typeof WebhookEndpointInput>

const endpointFields = {
  id: { ...Id, description: "The endpoint's id." },
  url: fields.url,
  event_types: EventTypes,
  description: Nullable(
    FreeText({ maxLength: 200, description: 'What the endpoint is for.', example: 'Invoicing in the finance system' })
  ),
  created_at: { ...Timestamp, description: 'When it was created: it hears of the events committed from then on.' },
  status: StringEnum(['enabled', 'disabled'], {
    description: 'Disabled after its deliveries have failed for three days without a break; then nothing is sent.',
    example: 'enabled'
  }),
  disabled_at: Nullable({ ...Timestamp, description: 'When it was disabled.' }),
  disabled_reason: Nullable(
    FreeText({
      maxLength: 500,
      description: 'Why it was disabled.',
      example: 'Every delivery has failed since 2026-11-28T08:00:00.000Z; the last: answered 503'
    })
  ),
  failing_since: Nullable({
    ...Timestamp,
    description: 'Since when the next event has failed to be delivered (it is being retried); null when all is well.'
  }),
  delivered_through: Nullable({ ...Id, description: 'The id of the last event delivered, if any.' })
}

export const WebhookEndpoint = Type.Object(endpointFields, {
  $id: 'WebhookEndpoint',
  additionalProperties: false,
  description:
    'Where events are delivered, signed as Standard Webhooks specifies, at least once and in the order of the feed.'
})
export type WebhookEndpoint = Static<typeof WebhookEndpoint>

export const CreatedWebhookEndpoint = Type.Object(
  {
    ...endpointFields,
    secret: Type.String({
      maxLength: 100,
      pattern: '^whsec_[A-Za-z0-9+/]+=*$',
      description:
        "The endpoint's signing secret, shown this once: verify each delivery's `webhook-signature` with it (any " +
        'Standard Webhooks library does, or `verifyWebhook` in the client).',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    })
  },
  {
    $id: 'CreatedWebhookEndpoint',
    additionalProperties: false,
    description: 'A new webhook endpoint, with its secret.'
  }
)

export const WebhookEndpointList = Type.Object(
  { items: Type.Array(ref(WebhookEndpoint), { maxItems: MAX_ENDPOINTS, description: 'Your endpoints.' }) },
  { $id: 'WebhookEndpointList', additionalProperties: false, description: "The client's webhook endpoints." }
)

export const WebhookEndpointParams = Type.Object({ id: { ...Id, description: "The endpoint's id." } })

export const WebhookDelivery = Type.Object(
  {
    id: { ...Id, description: "The attempt's id." },
    event_id: { ...Id, description: 'The event sent (its `webhook-id` is `evt_` and this id).' },
    event_type: Type.String({
      maxLength: 100,
      pattern: '^[a-z_]+\\.[a-z_]+$',
      description: 'Its kind.',
      example: 'decision.recorded'
    }),
    attempt: Int32({ minimum: 1, description: 'Which attempt of this event this was, from 1.', example: 1 }),
    attempted_at: { ...Timestamp, description: 'When it was sent.' },
    duration_ms: Int32({ minimum: 0, description: 'How long the receiver took, in milliseconds.', example: 42 }),
    response_status: Nullable(
      Int32({
        minimum: 100,
        maximum: 599,
        description: "The receiver's HTTP status; null when it did not answer.",
        example: 200
      })
    ),
    error: Nullable(
      FreeText({ maxLength: 500, description: 'What went wrong, when it did.', example: 'answered 503' })
    ),
    delivered: Type.Boolean({ description: 'Whether the receiver took it (a 2xx answer).', example: true })
  },
  { $id: 'WebhookDelivery', additionalProperties: false, description: 'One attempt to deliver an event.' }
)
export type WebhookDelivery = Static<typeof WebhookDelivery>

export const WebhookDeliveryPage = Page(ref(WebhookDelivery), 'WebhookDeliveryPage')

export const WebhookDeliveryQuery = Type.Object({ ...PageQuery }, { additionalProperties: false })
