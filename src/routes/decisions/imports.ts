import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../../plugins/auth.ts'
import { IdempotencyHeaders, idempotent, replayedHeader } from '../../plugins/idempotency.ts'
import { problem, validationErrors } from '../../plugins/problems.ts'
import { problemResponses, ref } from '../../schemas/common.ts'
import { recordDecisions } from './record.ts'
import { DecisionImport, DecisionImportResult, IMPORT_BODY_LIMIT } from './schemas.ts'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/decision-imports', {
    bodyLimit: IMPORT_BODY_LIMIT,
    // Validation errors are collected here, not thrown, so that shape and domain problems of every row come back together.
    attachValidation: true,
    schema: {
      operationId: 'importDecisions',
      summary: 'Import decisions (bulk, all or nothing)',
      description: 'For back-filling a period: records many decisions in one transaction, as a JSON array or CSV. Every bad row is reported at once, ' +
        'with its row number; if any row is bad nothing is recorded (400 when a row is malformed, 422 when rows are well-formed but break the rules of a decision). ' +
        'At most 5,000 rows and 4 MiB.',
      tags: ['decisions'],
      ...requireScope('decisions:write'),
      consumes: ['application/json', 'text/csv'],
      headers: IdempotencyHeaders,
      body: DecisionImport,
      response: {
        201: { description: 'Every row was recorded.', headers: replayedHeader, content: { 'application/json': { schema: ref(DecisionImportResult) } } },
        ...problemResponses(400, 401, 403, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const schemaErrors = request.validationError ? validationErrors(request, request.validationError) : []
    const rows = Array.isArray(request.body) ? request.body : []
    if (schemaErrors.length > 0 && rows.length === 0) throw problem(400, 'The body must be a non-empty list of decisions.', { errors: schemaErrors })
    return idempotent(app.db, request, reply, 201, async (trx) => {
      const result = await recordDecisions(trx, rows, request.apiKey!.id, true)
      const errors = [...schemaErrors, ...('errors' in result ? result.errors : [])].sort((a, b) => (a.row ?? 0) - (b.row ?? 0))
      if (errors.length > 0) {
        throw problem(schemaErrors.length > 0 ? 400 : 422, `${new Set(errors.map(e => e.row)).size} row(s) cannot be imported; nothing was recorded.`, { errors })
      }
      const ids = 'ids' in result ? result.ids : []
      return { body: { received: rows.length, created: ids.length, decision_ids: ids } }
    })
  })
}

export default routes
