export interface FigureRow { municipality_code?: unknown, reference_date?: unknown }
export interface RowError { pointer: string, row: number, detail: string }

/**
 * The rules of a population import that a schema cannot express: every figure names an existing
 * municipality, and no municipality and date is given twice (which value would win?). Rows are 1-based.
 */
export function importErrors (rows: readonly FigureRow[], knownCodes: ReadonlySet<string>): RowError[] {
  const errors: RowError[] = []
  const firstIndexOf = new Map<string, number>()
  rows.forEach((row, index) => {
    const code = row.municipality_code
    if (typeof code === 'string' && /^\d{4}$/.test(code) && !knownCodes.has(code)) {
      errors.push({ pointer: `/${index}/municipality_code`, row: index + 1, detail: `no municipality has code ${code}` })
    }
    if (typeof code !== 'string' || typeof row.reference_date !== 'string') return
    const key = `${code} ${row.reference_date}`
    const first = firstIndexOf.get(key)
    if (first === undefined) firstIndexOf.set(key, index)
    else errors.push({ pointer: `/${index}/reference_date`, row: index + 1, detail: `repeats row ${first + 1}: one figure per municipality and date` })
  })
  return errors
}
