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
