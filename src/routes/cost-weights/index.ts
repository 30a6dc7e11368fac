import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import * as periods from '../../queries/recommendation-periods.ts'
import { importErrors } from '../../domain/population-figures.ts'
import { requireScope } from '../../plugins/auth.ts'
import { importRows } from '../../http/import-rows.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { IdempotencyHeaders, replayedHeader } from '../../http/write.ts'
import { problem } from '../../plugins/problems.ts'
import { problemResponses, ref, jsonOrCsv } from '../../schemas/common.ts'
import { formatScaled, scaled } from '../../domain/money.ts'
import { knownMunicipalityCodes } from '../../queries/population-figures.ts'
import { PeriodParams } from '../../schemas/recommendation-periods.ts'
import * as weights from '../../queries/cost-weights.ts'
import {
  CostWeightImport,
  CostWeightImportResult,
  CostWeightList,
  CostWeightQuery,
  type CostWeightRow
} from '../../schemas/cost-weights.ts'

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/recommendation-periods/:id/cost-weights',
    {
      // Validation errors are collected, not thrown: importRows reports them with the rows' domain problems.
      attachValidation: true,
      schema: {
        operationId: 'importCostWeights',
        summary: 'Import the weights of a weighted-total period (bulk, all or nothing)',
        description:
          "For a period whose cost is split by weights (such as 16/02966, split like SKR's membership fee): sets " +
          "each municipality's weight, " +
          'replacing one already held. Invoiced years keep the weights they were computed from; a change shows as a ' +
          'difference to settle. ' +
          'A period that computes its weights by the membership-fee principle (`weight_basis`) takes imported ' +
          'weights only as a whole (every municipality weighed, else 422); the import then switches it to ' +
          '`imported`, raising its version. ' +
          'Every bad row is reported at once; if any row is bad nothing is written.',
        tags: ['cost shares'],
        ...requireScope('admin'),
        params: PeriodParams,
        consumes: ['application/json', 'text/csv'],
        headers: IdempotencyHeaders,
        body: CostWeightImport,
        response: {
          200: {
            description: 'Every row was written.',
            headers: replayedHeader,
            content: { 'application/json': { schema: ref(CostWeightImportResult) } }
          },
          ...problemResponses(400, 401, 403, 404, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      importRows(
        request,
        reply,
        { status: 200, event: 'cost_weights.imported' },
        'weights',
        async (trx, rows: Array<Partial<CostWeightRow>>, key) => {
          // Read here, once the request is known to be well-formed, and in the write's own transaction, held still so
          // that a concurrent update of the period cannot change its basis under the import.
          await periods.lock(trx, request.params.id)
          const period = await periods.findOrFail(trx, request.params.id)
          if (period.cost_model !== 'weighted_total')
            throw problem(
              422,
              `${period.case_number} splits its cost per inhabitant; weights apply only to weighted-total periods.`
            )
          const codes = [...new Set(rows.map(r => r.municipality_code).filter(c => typeof c === 'string'))]
          if (period.weight_basis === 'membership_fee') {
            // Imported weights replace computed ones as a whole: weights on two scales would split nothing fairly.
            const left = await weights.municipalitiesBesides(trx, codes)
            if (left.length > 0)
              throw problem(
                422,
                `${period.case_number} computes its weights by the membership fee's principle; imported weights ` +
                  'replace them all at once, so this import must weigh every municipality. Nothing was written.',
                {
                  errors: [
                    {
                      pointer: '',
                      detail: `${left.length} municipalities have no weight in it (${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''})`
                    }
                  ]
                }
              )
          }
          return {
            errors: importErrors(rows, await knownMunicipalityCodes(trx, codes), 'municipality'),
            write: async () => {
              if (period.weight_basis === 'membership_fee') await periods.useImportedWeights(trx, period.id, key.id)
              return {
                received: rows.length,
                written: await weights.upsert(trx, period.id, rows as CostWeightRow[], key.id)
              }
            }
          }
        }
      )
  )

  app.get(
    '/recommendation-periods/:id/cost-weights',
    {
      schema: {
        operationId: 'listCostWeights',
        summary: 'List the weights of a weighted-total period',
        tags: ['cost shares'],
        ...requireScope('read'),
        params: PeriodParams,
        querystring: CostWeightQuery,
        response: {
          200: jsonOrCsv('The weights, as JSON or CSV.', CostWeightList),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const period = await periods.findOrFail(app.db, request.params.id)
      const items = await weights.ofPeriod(app.db, period.id)
      const sum = items.reduce((total, w) => total + scaled(w.weight, 6), 0n)
      return sendJsonOrCsv(
        request,
        reply,
        { period_id: period.id, weight_sum: formatScaled(sum, 6), items },
        { columns: ['municipality_code', 'weight', 'updated_at'], rows: () => items }
      )
    }
  )
}

export default routes
