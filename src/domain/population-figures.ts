export interface FigureRow {
  municipality_code?: unknown
  reference_date?: unknown
}
export interface RowError {
  pointer: string
  row: number
  detail: string
}

/**
 * The rules of an import of per-municipality rows that a schema cannot express: every row names an existing
 * municipality, and no municipality (and date, for population figures) is given twice: which value would win?
 * Rows are 1-based. Cost weights use it too, one per municipality.
 */
export function importErrors(
  rows: readonly FigureRow[],
  knownCodes: ReadonlySet<string>,
  oneRowPer: 'municipality and date' | 'municipality' = 'municipality and date'
): RowError[] {
  const errors: RowError[] = []
  const firstIndexOf = new Map<string, number>()
  rows.forEach((row, index) => {
    const code = row.municipality_code
    if (typeof code === 'string' && /^\d{4}$/.test(code) && !knownCodes.has(code)) {
      errors.push({
        pointer: `/${index}/municipality_code`,
        row: index + 1,
        detail: `no municipality has code ${code}`
      })
    }
    const perDate = oneRowPer === 'municipality and date'
    if (typeof code !== 'string' || (perDate && typeof row.reference_date !== 'string')) return
    const key = perDate ? `${code} ${row.reference_date}` : code
    const first = firstIndexOf.get(key)
    if (first === undefined) firstIndexOf.set(key, index)
    else
      errors.push({
        pointer: `/${index}/${perDate ? 'reference_date' : 'municipality_code'}`,
        row: index + 1,
        detail: `repeats row ${first + 1}: one row per ${oneRowPer}`
      })
  })
  return errors
}

/** Whether a share's population figure is the one on the rule's date, or a substitute for a figure not held. */
export type PopulationBasis = 'reference_date' | 'substitute'

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000

/**
 * The figure a share rests on: the one on the rule's date; where that is missing, the one closest in time, the earlier
 * of two as close (31 December 2018 stands in for 30 November 2018, not 31 December 2017, eleven months away). A
 * substitute is only ever used visibly (populationBasis), never relabelled as the rule's date. The SQL of
 * queries/uptake.ts orders by the same distance; test/seed-figures.test.ts proves they agree.
 */
export function closestFigure<F extends { reference_date: string }>(
  figures: readonly F[],
  date: string
): F | undefined {
  const distance = (f: F) => Math.abs(dayNumber(f.reference_date) - dayNumber(date))
  return [...figures].sort((a, b) => distance(a) - distance(b) || a.reference_date.localeCompare(b.reference_date))[0]
}

export const populationBasis = (ruleDate: string, figureDate: string | null): PopulationBasis | null =>
  figureDate === null ? null : figureDate === ruleDate ? 'reference_date' : 'substitute'

/**
 * How many municipalities' figures carry each date, newest first (`null`: no figure at all, counted as 0 inhabitants),
 * and whether the date is a substitute for the rule's: what a total says its population rests on.
 */
export function populationFiguresUsed(
  ruleDate: string,
  municipalities: ReadonlyArray<{ population_date: string | null }>
): Array<{ reference_date: string | null; municipalities: number; substitute: boolean }> {
  const count = new Map<string | null, number>()
  for (const m of municipalities) count.set(m.population_date, (count.get(m.population_date) ?? 0) + 1)
  return [...count]
    .map(([reference_date, n]) => ({
      reference_date,
      municipalities: n,
      substitute: populationBasis(ruleDate, reference_date) === 'substitute'
    }))
    .sort((a, b) => (b.reference_date ?? '').localeCompare(a.reference_date ?? ''))
}

/**
 * What to warn of after an import, per date it touched that has Sweden's total (SCB's 30 November figures): once
 * every municipality has a figure of that date, they must sum to the country's; a mismatch means a wrong or
 * mislabelled file (year-end figures are a different date).
 */
export function nationalTotalWarnings(
  held: ReadonlyArray<{ reference_date: string; municipalities: number; of: number; population: number }>,
  nationalTotals: ReadonlyMap<string, number>
): Array<{ reference_date: string; detail: string }> {
  return held.flatMap(({ reference_date, municipalities, of, population }) => {
    const total = nationalTotals.get(reference_date)
    if (total === undefined || municipalities < of || population === total) return []
    return [
      {
        reference_date,
        detail:
          `the ${of} figures of ${reference_date} sum to ${population}, not Sweden's total on that day, ${total} ` +
          '(SCB): check that the file holds that date'
      }
    ]
  })
}
