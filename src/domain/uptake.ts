import { populationFiguresUsed } from './population-figures.ts'
import type { Status } from './participation.ts'

export interface StatusCounts {
  total: number
  adopted: number
  declined: number
  no_answer: number
  adopted_percent: number
  declined_percent: number
  no_answer_percent: number
}

/**
 * A share in percent with one decimal, as uptake is reported (260 of 290 → 89.7). Shares are not money: a float is
 * fine.
 */
export const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part * 1000) / whole) / 10)

/** Sums each status's weight: 1 per municipality for municipality counts, its population for population counts. */
export function countByStatus<T extends { status: Status }>(
  items: readonly T[],
  weight: (item: T) => number
): StatusCounts {
  const sums = { adopted: 0, declined: 0, no_answer: 0 }
  for (const item of items) sums[item.status] += weight(item)
  const total = sums.adopted + sums.declined + sums.no_answer
  return {
    total,
    ...sums,
    adopted_percent: percent(sums.adopted, total),
    declined_percent: percent(sums.declined, total),
    no_answer_percent: percent(sums.no_answer, total)
  }
}

export interface CountedMunicipality {
  county_code: string
  county_name: string
  status: Status
  population: number | null
  population_date: string | null
}

/**
 * Uptake of a set of municipalities: counts of municipalities and of inhabitants by status, overall and per
 * county (in the order met), and which population figures those counts rest on (populationFiguresUsed).
 */
export function uptakeFigures(municipalities: readonly CountedMunicipality[], populationDate: string) {
  const inhabitants = (m: CountedMunicipality) => m.population ?? 0
  const counties = new Map<string, CountedMunicipality[]>()
  for (const m of municipalities) {
    const county = counties.get(m.county_code)
    if (county === undefined) counties.set(m.county_code, [m])
    else county.push(m)
  }
  return {
    population_figures_used: populationFiguresUsed(populationDate, municipalities),
    municipalities: countByStatus(municipalities, () => 1),
    population: countByStatus(municipalities, inhabitants),
    by_county: [...counties].map(([county_code, inCounty]) => ({
      county_code,
      county_name: inCounty[0]!.county_name,
      municipalities: countByStatus(inCounty, () => 1),
      population: countByStatus(inCounty, inhabitants)
    }))
  }
}
