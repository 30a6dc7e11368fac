import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../../plugins/auth.ts'
import { importRows } from '../../http/import-rows.ts'
import { IdempotencyHeaders, replayedHeader } from '../../http/write.ts'
import { problemResponses, ref } from '../../schemas/common.ts'
import * as decisions from '../../queries/decisions.ts'
import { todayInSweden } from '../../clock.ts'
import { checkDecisions } from './check.ts'
import { DecisionImport, DecisionImportResult, IMPORT_BODY_LIMIT, type DecisionInput } from '../../schemas/decisions.ts'

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/decision-imports',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      // Validation errors are collected, not thrown: importRows reports them with the rows' domain problems.
      attachValidation: true,
      schema: {
        operationId: 'importDecisions',
        summary: 'Import decisions (bulk, all or nothing)',
        description:
          'For back-filling a period: records many decisions in one transaction, as a JSON array or CSV. Every bad ' +
          'row is reported at once, ' +
          'with its row number; if any row is bad nothing is recorded (400 when a row is malformed, 422 when rows ' +
          'are well-formed but break the rules of a decision). ' +
          'At most 5,000 rows and 4 MiB.',
        tags: ['decisions'],
        ...requireScope('decisions:write', request =>
          Array.isArray(request.body)
            ? request.body.map((row: { municipality_code?: unknown } | null) => row?.municipality_code)
            : []
        ),
        consumes: ['application/json', 'text/csv'],
        headers: IdempotencyHeaders,
        body: DecisionImport,
        response: {
          201: {
            description: 'Every row was recorded.',
            headers: replayedHeader,
            content: { 'application/json': { schema: ref(DecisionImportResult) } }
          },
          ...problemResponses(400, 401, 403, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      importRows(
        request,
        reply,
        { status: 201, event: 'decisions.imported' },
        'decisions',
        async (trx, rows: Array<Partial<DecisionInput>>, key) => {
          const { errors, accepted } = checkDecisions(
            await decisions.contextFor(trx, rows, todayInSweden()),
            rows,
            true
          )
          return {
            errors,
            write: async () => {
              const ids = await decisions.insert(trx, accepted, key.id)
              return { received: rows.length, created: ids.length, decision_ids: ids }
            }
          }
        }
      )
  )
}

export default routes
