import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { importErrors } from '../../domain/population-figures.ts'
import { requireScope } from '../../plugins/auth.ts'
import { IdempotencyHeaders, idempotent, replayedHeader } from '../../plugins/idempotency.ts'
import { problem, validationErrors } from '../../plugins/problems.ts'
import { problemResponses, ref } from '../../schemas/common.ts'
import * as populationFigures from './queries.ts'
import { PopulationImport, PopulationImportResult, type PopulationFigureRow } from './schemas.ts'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/population-figures', {
    // Validation errors are collected here, not thrown, so that shape and domain problems of every row come back together.
    attachValidation: true,
    schema: {
      operationId: 'importPopulationFigures',
      summary: 'Import population figures (bulk, all or nothing)',
      description: 'Adds population figures, or corrects existing ones for the same municipality and reference date. ' +
        'Send a JSON array or CSV. Every bad row is reported at once, with its row number; if any row is bad nothing is written ' +
        '(400 when a row is malformed, 422 when rows are well-formed but name unknown municipalities or repeat a figure).',
      tags: ['reference data'],
      ...requireScope('admin'),
      consumes: ['application/json', 'text/csv'],
      headers: IdempotencyHeaders,
      body: PopulationImport,
      response: {
        200: { description: 'Every row was written.', headers: replayedHeader, content: { 'application/json': { schema: ref(PopulationImportResult) } } },
        ...problemResponses(400, 401, 403, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const schemaErrors = request.validationError ? validationErrors(request, request.validationError) : []
    const rows = Array.isArray(request.body) ? request.body as Array<Partial<PopulationFigureRow>> : []
    if (schemaErrors.length > 0 && rows.length === 0) throw problem(400, 'The body must be a non-empty list of population figures.', { errors: schemaErrors })

    return idempotent(app.db, request, reply, 200, async (trx) => {
      const codes = [...new Set(rows.map(r => r.municipality_code).filter(c => typeof c === 'string'))]
      const errors = [...schemaErrors, ...importErrors(rows, await populationFigures.knownMunicipalityCodes(trx, codes))]
        .sort((a, b) => (a.row ?? 0) - (b.row ?? 0))
      if (errors.length > 0) {
        throw problem(schemaErrors.length > 0 ? 400 : 422, `${new Set(errors.map(e => e.row)).size} row(s) cannot be imported; nothing was written.`, { errors })
      }
      const written = await populationFigures.upsert(trx, rows as PopulationFigureRow[], request.apiKey!.id)
      return { body: { received: rows.length, ...written } }
    })
  })
}

export default routes
