import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { importErrors, nationalTotalWarnings } from '../../domain/population-figures.ts'
import { nationalPopulationTotals } from '../../db/reference-data.ts'
import { requireScope } from '../../plugins/auth.ts'
import { importRows } from '../../http/import-rows.ts'
import { IdempotencyHeaders, replayedHeader } from '../../http/write.ts'
import { problemResponses, ref } from '../../schemas/common.ts'
import * as populationFigures from '../../queries/population-figures.ts'
import { PopulationImport, PopulationImportResult, type PopulationFigureRow } from '../../schemas/population-figures.ts'

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/population-figures',
    {
      // Validation errors are collected, not thrown: importRows reports them with the rows' domain problems.
      attachValidation: true,
      schema: {
        operationId: 'importPopulationFigures',
        summary: 'Import population figures (bulk, all or nothing)',
        description:
          'Adds population figures, or corrects existing ones for the same municipality and reference date. ' +
          'Send a JSON array or CSV. Every bad row is reported at once, with its row number; if any row is bad ' +
          'nothing is written ' +
          '(400 when a row is malformed, 422 when rows are well-formed but name unknown municipalities or repeat a ' +
          "figure). A date with Sweden's total (each 30 November) is checked against it once all municipalities " +
          'have a figure of it: the answer warns of a sum that differs.',
        tags: ['reference data'],
        ...requireScope('admin'),
        consumes: ['application/json', 'text/csv'],
        headers: IdempotencyHeaders,
        body: PopulationImport,
        response: {
          200: {
            description: 'Every row was written.',
            headers: replayedHeader,
            content: { 'application/json': { schema: ref(PopulationImportResult) } }
          },
          ...problemResponses(400, 401, 403, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      importRows(
        request,
        reply,
        { status: 200, event: 'population_figures.imported' },
        'population figures',
        async (trx, rows: Array<Partial<PopulationFigureRow>>, key) => {
          const codes = [...new Set(rows.map(r => r.municipality_code).filter(c => typeof c === 'string'))]
          return {
            errors: importErrors(rows, await populationFigures.knownMunicipalityCodes(trx, codes)),
            write: async () => {
              const written = await populationFigures.upsert(trx, rows as PopulationFigureRow[], key.id)
              const nationalTotals = await nationalPopulationTotals()
              const dates = [...new Set(rows.map(r => r.reference_date as string))].filter(d => nationalTotals.has(d))
              const held = await populationFigures.totalsOn(trx, dates)
              return { received: rows.length, ...written, warnings: nationalTotalWarnings(held, nationalTotals) }
            }
          }
        }
      )
  )
}

export default routes
