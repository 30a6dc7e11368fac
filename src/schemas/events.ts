import Type, { type Static, type TSchema } from 'typebox'
import { CostAllocation } from './cost-allocations.ts'
import { CostWeightImportResult } from './cost-weights.ts'
import { Decision, DecisionImportResult } from './decisions.ts'
import { InvoicedYear, Invoice } from './invoicing.ts'
import { PopulationImportResult } from './population-figures.ts'
import { QualityRegister } from './quality-registers.ts'
import { RecommendationPeriod } from './recommendation-periods.ts'
import { AllocationPlan } from './register-allocations.ts'
import { Payout } from './register-payouts.ts'
import { Adjustment, Settlement } from './settlements.ts'
import { FormatQuery, Id, Int32, ref, Timestamp } from './common.ts'

/**
 * Every kind of event, with the resource its `data` holds: exactly what the write that made it answered. Each write
 * route names its event (http/write.ts), so a new write cannot go unannounced.
 */
const EVENT_DATA = {
  'population_figures.imported': PopulationImportResult,
  'period.created': RecommendationPeriod,
  'period.updated': RecommendationPeriod,
  'decision.recorded': Decision,
  'decision.withdrawn': Decision,
  'decisions.imported': DecisionImportResult,
  'cost_weights.imported': CostWeightImportResult,
  'year.invoiced': InvoicedYear,
  'invoice.paid': Invoice,
  'settlement.issued': Settlement,
  'adjustment.paid': Adjustment,
  'cost_allocation.recorded': CostAllocation,
  'quality_register.created': QualityRegister,
  'quality_register.updated': QualityRegister,
  'register_allocation.recorded': AllocationPlan,
  'payout.planned': Payout,
  'payout.status_changed': Payout
} as const satisfies Record<string, TSchema>

export type EventType = keyof typeof EVENT_DATA
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[]

/** `decision.recorded` → `DecisionRecordedEvent`: the component that documents one kind of event. */
const componentOf = (type: string) =>
  `${type.replace(/(^|[._])([a-z])/g, (_match, _separator, letter: string) => letter.toUpperCase())}Event`

/** One kind of event: the envelope every event has, with `type` fixed and `data` that kind's resource. */
const eventOfType = (type: EventType, data: TSchema & { $id?: string }) =>
  Type.Object(
    {
      id: {
        ...Id,
        description:
          "The event's id: pass the last one you have as `after` to read on. Ids are unique, but the feed's order is " +
          "that of the writes' transactions, which ids need not follow."
      },
      type: Type.Unsafe<typeof type>({ type: 'string', enum: [type], description: 'What happened.', example: type }),
      timestamp: { ...Timestamp, description: 'When the write was made.' },
      resource_url: Type.String({
        format: 'uri-reference',
        maxLength: 2048,
        description:
          'The URL of the resource the write changed (of the import, for an import): GET it for its state now.',
        example: '/v1/decisions/4711'
      }),
      data: ref(data)
    },
    {
      $id: componentOf(type),
      additionalProperties: false,
      description: `A \`${type}\` event, in the feed and as a webhook's body: \`data\` is the ${data.$id} as the write answered it.`
    }
  )

export const EVENT_SCHEMAS = EVENT_TYPES.map(type => eventOfType(type, EVENT_DATA[type]))

/** Any event: one of its kinds, told apart by `type`. */
export const Event = Type.Unsafe<{
  id: number
  type: EventType
  timestamp: string
  resource_url: string
  data: unknown
}>({
  $id: 'Event',
  description: 'A committed change: its kind, when it was made, the URL of the resource and its new state.',
  oneOf: EVENT_TYPES.map(type => ({ $ref: `${componentOf(type)}#` })),
  discriminator: {
    propertyName: 'type',
    mapping: Object.fromEntries(EVENT_TYPES.map(type => [type, `#/components/schemas/${componentOf(type)}`]))
  }
})
export type Event = Static<typeof Event>

export const EventFeed = Type.Object(
  {
    items: Type.Array(ref(Event), {
      maxItems: 1000,
      description: "Events in the order of their writes' transactions."
    }),
    has_more: Type.Boolean({
      description:
        'Whether more events follow at once: read on with the last id as `after`. When false, poll again later.',
      example: false
    })
  },
  { $id: 'EventFeed', additionalProperties: false, description: 'A stretch of the event feed.' }
)

export const EventFeedQuery = Type.Object(
  {
    after: Type.Optional({
      ...Id,
      description:
        'The id of the last event you have: the feed goes on after it. Without it, the feed starts at its oldest ' +
        'event (it keeps 30 days). An id older than that is 410 Gone.'
    }),
    limit: Type.Optional(
      Int32({
        minimum: 1,
        maximum: 1000,
        default: 20,
        description: 'At most this many events, 1 to 1,000 (default 20).'
      })
    ),
    ...FormatQuery
  },
  { additionalProperties: false }
)
