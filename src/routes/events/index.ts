import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { problem } from '../../plugins/problems.ts'
import * as events from '../../queries/events.ts'
import { jsonOrCsv, problemResponses } from '../../schemas/common.ts'
import { EVENT_TYPES, EventFeed, EventFeedQuery } from '../../schemas/events.ts'

const COLUMNS = ['id', 'type', 'timestamp', 'resource_url', 'data'] as const

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/events',
    {
      // The feed's horizon moves when a transaction ends, with or without a change: never answered from memory.
      config: { fromMemory: false },
      schema: {
        operationId: 'listEvents',
        summary: 'Read the event feed',
        description:
          'Every write made through the API as an event: its kind, when, the URL of the resource and its new state ' +
          "as the write answered it. In the order of the writes' transactions (PostgreSQL numbers a transaction at " +
          'its first change): an event appears once every transaction that began changing data before it has ' +
          'ended, so a cursor never skips one, even of a write that began before and committed after those you have ' +
          'read. That order is near the order of commits, not always the same: where two events of one resource ' +
          'must be told apart in time, GET its `resource_url` for its state now. Read on with the id ' +
          'of the last event you have as `after`. Events are kept ' +
          `${events.KEPT_DAYS} days at least; an older cursor (or an id that is no event of the feed) is 410 Gone: ` +
          'start again without `after` and ' +
          'reconcile from the lists. Kinds: ' +
          EVENT_TYPES.map(type => `\`${type}\``).join(', ') +
          '. The same events are delivered by webhooks (`/v1/webhook-endpoints`).',
        tags: ['events'],
        ...requireScope('read'),
        querystring: EventFeedQuery,
        response: {
          200: jsonOrCsv('Events after the cursor, as JSON or CSV (`data` as JSON text).', EventFeed),
          ...problemResponses(400, 401, 403, 410)
        }
      }
    },
    async (request, reply) => {
      const { after, limit = 20 } = request.query
      let position = events.START
      if (after !== undefined) {
        const found = await events.positionOf(app.db, after)
        if (found === undefined)
          throw problem(
            410,
            `Event ${after} is not in the feed: older than it keeps (${events.KEPT_DAYS} days), or never one of its ` +
              'events. Read the feed again from the start, without `after`, and reconcile what you hold with the lists.'
          )
        position = found
      }
      // One more than asked for says whether more follow.
      const rows = await events.after(app.db, position, limit + 1)
      const items = rows.slice(0, limit)
      const has_more = rows.length > limit
      const last = items.at(-1)
      if (last !== undefined) {
        const next = new URLSearchParams({ after: String(last.id), limit: String(limit) })
        if (request.query.format !== undefined) next.set('format', request.query.format)
        reply.header('link', `<${request.url.split('?')[0]}?${next}>; rel="next"`)
      }
      reply.type('application/json; charset=utf-8')
      return sendJsonOrCsv(
        request,
        reply,
        `{"items":[${items.map(events.eventJson).join(',')}],"has_more":${has_more}}`,
        {
          columns: COLUMNS,
          rows: () => items.map(({ occurred_at, ...event }) => ({ ...event, timestamp: occurred_at.toISOString() }))
        }
      )
    }
  )
}

export default routes
