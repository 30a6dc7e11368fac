import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import { problem } from '../plugins/problems.ts'
import type { QualityRegister, QualityRegisterInput } from '../schemas/quality-registers.ts'

const registers = (db: Db) =>
  db
    .selectFrom('quality_registers')
    .select([
      'code',
      'name',
      'short_name',
      'organisation',
      'payee_name',
      'organisation_number',
      'bankgiro',
      'plusgiro',
      'notes',
      'version',
      'created_at',
      'updated_at'
    ])

type RegisterRow = Awaited<ReturnType<ReturnType<typeof registers>['executeTakeFirstOrThrow']>>

const toRegister = ({
  payee_name,
  organisation_number,
  bankgiro,
  plusgiro,
  created_at,
  updated_at,
  ...row
}: RegisterRow): QualityRegister => ({
  ...row,
  payee:
    payee_name === null ? null : { name: payee_name, organisation_number: organisation_number!, bankgiro, plusgiro },
  created_at: created_at.toISOString(),
  updated_at: updated_at.toISOString()
})

const columns = (input: QualityRegisterInput) => ({
  name: input.name,
  short_name: input.short_name,
  organisation: input.organisation ?? null,
  payee_name: input.payee?.name ?? null,
  organisation_number: input.payee?.organisation_number ?? null,
  bankgiro: input.payee?.bankgiro ?? null,
  plusgiro: input.payee?.plusgiro ?? null,
  notes: input.notes ?? null
})

export async function all(db: Db): Promise<QualityRegister[]> {
  return (await registers(db).orderBy('code').execute()).map(toRegister)
}

export async function find(db: Db, code: string): Promise<QualityRegister | undefined> {
  const row = await registers(db).where('code', '=', code).executeTakeFirst()
  return row && toRegister(row)
}

/** The register, or a 404 problem naming it. */
export async function findOrFail(db: Db, code: string): Promise<QualityRegister> {
  const register = await find(db, code)
  if (register === undefined) throw problem(404, `No quality register has code ${code}.`)
  return register
}

export async function insert(db: Db, code: string, input: QualityRegisterInput, apiKeyId: number): Promise<void> {
  await db
    .insertInto('quality_registers')
    .values({ code, ...columns(input), updated_by_api_key_id: apiKeyId })
    .execute()
}

/** Replaces the register if it is still at `version`; returns whether it was. */
export async function replace(
  db: Db,
  code: string,
  version: number,
  input: QualityRegisterInput,
  apiKeyId: number
): Promise<boolean> {
  const updated = await db
    .updateTable('quality_registers')
    .set({
      ...columns(input),
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
      updated_by_api_key_id: apiKeyId
    })
    .where('code', '=', code)
    .where('version', '=', version)
    .executeTakeFirst()
  return updated.numUpdatedRows > 0n
}

export async function shortNameTaken(db: Db, shortName: string, exceptCode: string): Promise<boolean> {
  const row = await db
    .selectFrom('quality_registers')
    .select('code')
    .where('short_name', '=', shortName)
    .where('code', '<>', exceptCode)
    .executeTakeFirst()
  return row !== undefined
}
