import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { problemResponses, jsonOrCsv } from '../../schemas/common.ts'
import * as audit from '../../queries/audit-events.ts'
import { AuditEventPage, AuditEventQuery } from '../../schemas/audit-events.ts'

const COLUMNS = [
  'id',
  'occurred_at',
  'api_key_id',
  'api_key_name',
  'municipality_code',
  'request_id',
  'operation_id',
  'method',
  'path',
  'status',
  'request_sha256'
] as const

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/audit-events',
    {
      schema: {
        operationId: 'listAuditEvents',
        summary: 'Read the audit trail',
        description:
          'For admins: every write made through the API, oldest first — which key, when, which operation on which ' +
          "path, the answer's status, " +
          'the request id (to find it in the logs) and a digest of the request. Each event is recorded in the same ' +
          'transaction as its write, so none is missing; ' +
          'replays of an idempotent request and refused requests wrote nothing and are not events.',
        tags: ['operations'],
        ...requireScope('admin'),
        querystring: AuditEventQuery,
        response: {
          200: jsonOrCsv('One page of audit events, as JSON or CSV.', AuditEventPage),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const { page: _page, limit: _limit, format: _format, ...filter } = request.query
      const page = pageOf(request.query)
      const { items, total } = await audit.list(app.db, filter, offsetOf(page))
      return sendJsonOrCsv(request, reply, paginate(request, reply, page, items, total), {
        columns: COLUMNS,
        rows: () => items
      })
    }
  )
}

export default routes
