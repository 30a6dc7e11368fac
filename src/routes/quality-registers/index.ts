import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../../db/connection.ts'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { write } from '../../http/write.ts'
import { problem } from '../../plugins/problems.ts'
import { ENTITY_TAG, IfMatchHeaders, jsonOrCsv, locationHeader, problemResponses, ref } from '../../schemas/common.ts'
import * as registers from '../../queries/quality-registers.ts'
import {
  QualityRegister,
  QualityRegisterInput,
  QualityRegisterList,
  RegisterParams
} from '../../schemas/quality-registers.ts'

/** The entity tag of one version of a register: what a client echoes in If-Match to update it. */
const etagOf = (register: { code: string; version: number }) => `"register-${register.code}-v${register.version}"`

const etagHeader = {
  etag: {
    type: 'string',
    maxLength: 200,
    pattern: ENTITY_TAG,
    description: "The version's entity tag: send it as `If-Match` to update."
  }
}

const CSV_COLUMNS = [
  'code',
  'name',
  'short_name',
  'organisation',
  'payee_name',
  'payee_organisation_number',
  'payee_bankgiro',
  'payee_plusgiro',
  'notes',
  'version',
  'created_at',
  'updated_at'
] as const

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/quality-registers',
    {
      schema: {
        operationId: 'listQualityRegisters',
        summary: 'List the quality registers',
        description:
          'The national quality registers (kvalitetsregister) the register budget line pays: Senior alert, BPSD, ' +
          'Svenska Palliativregistret, Rikssår and SveDem ship as reference data.',
        tags: ['quality registers'],
        ...requireScope('read'),
        response: {
          200: jsonOrCsv('Every register, as JSON or CSV.', QualityRegisterList),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const items = await registers.all(app.db)
      return sendJsonOrCsv(
        request,
        reply,
        { items },
        {
          columns: CSV_COLUMNS,
          rows: () =>
            items.map(({ payee, ...register }) => ({
              ...register,
              payee_name: payee?.name,
              payee_organisation_number: payee?.organisation_number,
              payee_bankgiro: payee?.bankgiro,
              payee_plusgiro: payee?.plusgiro
            }))
        }
      )
    }
  )

  app.get(
    '/quality-registers/:code',
    {
      schema: {
        operationId: 'getQualityRegister',
        summary: 'Get one quality register',
        tags: ['quality registers'],
        ...requireScope('read'),
        params: RegisterParams,
        response: {
          200: {
            description: 'The register. Its `ETag` names this version, for `If-Match`.',
            headers: etagHeader,
            content: { 'application/json': { schema: ref(QualityRegister) } }
          },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const register = await registers.findOrFail(app.db, request.params.code)
      reply.header('etag', etagOf(register))
      return register
    }
  )

  app.put(
    '/quality-registers/:code',
    {
      schema: {
        operationId: 'putQualityRegister',
        summary: 'Create or update a quality register',
        description:
          'Creates the register under a new code, or replaces an existing one whole: then send the `ETag` you read ' +
          'as `If-Match`, ' +
          "so that nobody's change is overwritten unseen. The code never changes; registers are never deleted.",
        tags: ['quality registers'],
        ...requireScope('admin'),
        params: RegisterParams,
        headers: IfMatchHeaders,
        body: ref(QualityRegisterInput),
        response: {
          200: {
            description: 'The updated register with its new `ETag`.',
            headers: etagHeader,
            content: { 'application/json': { schema: ref(QualityRegister) } }
          },
          201: {
            description: 'The register was created; `Location` names it.',
            headers: { ...locationHeader("The register's URL."), ...etagHeader },
            content: { 'application/json': { schema: ref(QualityRegister) } }
          },
          ...problemResponses(400, 401, 403, 409, 412, 413, 415, 422, 428)
        }
      }
    },
    async (request, reply) => {
      const { code } = request.params
      const input = request.body
      if (input.payee !== undefined && input.payee.bankgiro == null && input.payee.plusgiro == null) {
        throw problem(422, 'The payee has no account; nothing was written.', {
          errors: [{ pointer: '/payee', detail: 'needs a bankgiro or a plusgiro number' }]
        })
      }
      const currentVersion = async (trx: Db) => {
        const current = await registers.find(trx, code)
        return current && etagOf(current)
      }
      return write(
        request,
        reply,
        { status: 200, event: 'quality_register.updated', currentVersion },
        async (trx, key) => {
          if (await registers.shortNameTaken(trx, input.short_name, code))
            throw problem(409, `Another register has the short name ${input.short_name}.`)
          const current = await registers.find(trx, code)
          if (current === undefined) await registers.insert(trx, code, input, key.id)
          else if (!(await registers.replace(trx, code, current.version, input, key.id)))
            throw problem(412, 'The register changed while this update was made; read it again.')
          const register = (await registers.find(trx, code))!
          const headers: Record<string, string> = { etag: etagOf(register) }
          if (current !== undefined) return { body: register, headers }
          return {
            status: 201,
            event: 'quality_register.created',
            body: register,
            headers: { ...headers, location: `/v1/quality-registers/${code}` }
          }
        }
      )
    }
  )
}

export default routes
