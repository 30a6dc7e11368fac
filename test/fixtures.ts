import type { Db } from '../src/db/connection.ts'
import type { testApp } from './helpers.ts'

export interface DecisionRow {
  municipality_code: string
  period_case_number: string
  outcome: 'adopted' | 'declined'
  decided_on: string
  decided_by: string
  received_on: string
}

/**
 * The picture of November 2019 for 18/00295 (seed 004): 260 of 290 municipalities adopted, 21 declined and
 * 9 had not answered. In code order, the first 260 adopt (Tyresö, 0138, on 2 May 2019 as in seed 002), the next
 * 21 decline and the last 9 stay silent; receipt dates spread over March to November 2019.
 */
export async function november2019(db: Db) {
  const codes = (await db.selectFrom('municipalities').select('code').orderBy('code').execute()).map(m => m.code)
  const day = (index: number) => {
    const date = new Date(Date.UTC(2019, 2, 1) + (index % 270) * 86_400_000)
    return date.toISOString().slice(0, 10)
  }
  const decisions: DecisionRow[] = codes.slice(0, 281).map((code, index) => ({
    municipality_code: code,
    period_case_number: '18/00295',
    outcome: index < 260 ? 'adopted' : 'declined',
    decided_on: code === '0138' ? '2019-04-24' : day(index),
    decided_by: 'Kommunfullmäktige',
    received_on: code === '0138' ? '2019-05-02' : day(index)
  }))
  return { codes, decisions, adopters: codes.slice(0, 260), decliners: codes.slice(260, 281), silent: codes.slice(281) }
}

/**
 * The picture of November 2019 recorded through the API, as an admin and a registrar would: Tyresö's figure at
 * 30 November 2018 (seed 002; not among SCB's year-end figures shipped), then every decision in one import.
 */
/** The id of the recommendation period with this SKR case number, which the test's fixtures have recorded. */
export async function periodIdOf(db: Db, caseNumber: string) {
  const period = await db
    .selectFrom('recommendation_periods')
    .select('id')
    .where('case_number', '=', caseNumber)
    .executeTakeFirstOrThrow()
  return period.id
}

export async function importNovember2019({ app, db, bearer }: Awaited<ReturnType<typeof testApp>>) {
  await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: bearer('admin'),
    payload: [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48009 }]
  })
  const picture = await november2019(db)
  const imported = await app.inject({
    method: 'POST',
    url: '/v1/decision-imports',
    headers: bearer('decisions:write'),
    payload: picture.decisions
  })
  if (imported.statusCode !== 201) throw new Error(`the November 2019 decisions were not imported: ${imported.body}`)
  return picture
}

/**
 * Finance's decision to invoice on substitute population figures: the shipped data holds only Tyresö's figure of the
 * rule's date (30 November 2018), so invoicing 18/00295 on it needs one.
 */
export const SUBSTITUTES_ACCEPTED = {
  decided_by: 'Test: finance',
  reason: "Only Tyresö's figure of 30 November 2018 is held; 31 December 2018's stand in for the others."
}
