import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import { isOrganisationNumber } from '../domain/organisation-numbers.ts'
import * as periods from '../queries/recommendation-periods.ts'
import type { RecommendationPeriodInput } from '../schemas/recommendation-periods.ts'
import type { Db } from './connection.ts'

const DATA_DIR = new URL('../../data/', import.meta.url)

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(new URL(file, DATA_DIR), 'utf8')) as T
}

async function readCsv<Row>(file: string): Promise<Row[]> {
  return parse(await readFile(new URL(file, DATA_DIR)), { columns: true, skip_empty_lines: true }) as Row[]
}

/** SCB's year-end figures (2014–2019, 2024) and the one 30 November figure the sources give (Tyresö's, seed 002). */
const POPULATION_FILES = ['population.csv', 'population-2014-2015.csv', 'population-30-november.csv']

export interface LoadedCounts {
  counties: number
  municipalities: number
  populationFigures: number
  recommendationPeriods: number
  qualityRegisters: number
}

/**
 * Loads the reference data shipped in data/: SCB's statistics, SKR's recommendations and the quality registers they pay
 * for (see data/PROVENANCE.md).
 * Rows that already exist are left alone, so loading twice changes nothing and an admin's later correction is never
 * undone.
 */
export async function loadReferenceData(db: Db): Promise<LoadedCounts> {
  const counties = await readCsv<{ county_code: string; county_name: string }>('counties.csv')
  const municipalities = await readCsv<{ municipality_code: string; municipality_name: string; county_code: string }>(
    'municipalities.csv'
  )
  const organisationNumbers = new Map(
    (
      await readCsv<{ municipality_code: string; organisation_number: string }>('municipality-organisation-numbers.csv')
    ).map(row => [row.municipality_code, row.organisation_number])
  )
  const wrong = [...organisationNumbers].filter(([, number]) => !isOrganisationNumber(number))
  if (wrong.length > 0)
    throw new Error(`municipality-organisation-numbers.csv: not organisation numbers: ${wrong.join('; ')}`)
  const population = (
    await Promise.all(
      POPULATION_FILES.map(file =>
        readCsv<{ municipality_code: string; reference_date: string; population: string }>(file)
      )
    )
  ).flat()
  const recommendationPeriods = await readJson<RecommendationPeriodInput[]>('recommendation-periods.json')
  const qualityRegisters =
    await readJson<Array<{ code: string; name: string; short_name: string }>>('quality-registers.json')

  return db.transaction().execute(async trx => {
    const insertedCounties = await trx
      .insertInto('counties')
      .values(counties.map(c => ({ code: c.county_code, name: c.county_name })))
      .onConflict(oc => oc.doNothing())
      .executeTakeFirst()
    const insertedMunicipalities = await trx
      .insertInto('municipalities')
      .values(
        municipalities.map(m => ({
          code: m.municipality_code,
          name: m.municipality_name,
          county_code: m.county_code,
          organisation_number: organisationNumbers.get(m.municipality_code) ?? null
        }))
      )
      // A database loaded before organisation numbers were shipped gets them; one an admin has set is kept.
      .onConflict(oc =>
        oc
          .column('code')
          .doUpdateSet(eb => ({ organisation_number: eb.ref('excluded.organisation_number') }))
          .where('municipalities.organisation_number', 'is', null)
          .where('excluded.organisation_number', 'is not', null)
      )
      .executeTakeFirst()
    const insertedPopulation = await trx
      .insertInto('population_figures')
      .values(
        population.map(p => ({
          municipality_code: p.municipality_code,
          reference_date: p.reference_date,
          population: Number(p.population),
          updated_by_api_key_id: null
        }))
      )
      .onConflict(oc => oc.doNothing())
      .executeTakeFirst()
    const insertedRegisters = await trx
      .insertInto('quality_registers')
      .values(qualityRegisters)
      .onConflict(oc => oc.doNothing())
      .executeTakeFirst()
    let insertedPeriods = 0
    for (const period of recommendationPeriods) {
      if ((await periods.insert(trx, period, null)) !== undefined) insertedPeriods++
    }
    return {
      counties: Number(insertedCounties.numInsertedOrUpdatedRows ?? 0n),
      municipalities: Number(insertedMunicipalities.numInsertedOrUpdatedRows ?? 0n),
      populationFigures: Number(insertedPopulation.numInsertedOrUpdatedRows ?? 0n),
      recommendationPeriods: insertedPeriods,
      qualityRegisters: Number(insertedRegisters.numInsertedOrUpdatedRows ?? 0n)
    }
  })
}

let nationalTotals: Promise<Map<string, number>> | undefined

/**
 * Sweden's total population on each 30 November the shipped file holds (SCB, 2017–2022), read once (again after a
 * failed read): what a 30 November import must sum to.
 */
export function nationalPopulationTotals(): Promise<Map<string, number>> {
  nationalTotals ??= readCsv<{ reference_date: string; population: string }>('population-sweden-30-november.csv').then(
    rows => new Map(rows.map(row => [row.reference_date, Number(row.population)])),
    (error: unknown) => {
      nationalTotals = undefined
      throw error
    }
  )
  return nationalTotals
}
