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

/** A share in percent with one decimal, as uptake is reported (260 of 290 → 89.7). Shares are not money: a float is fine. */
export const percent = (part: number, whole: number) => whole === 0 ? 0 : Math.round(part * 1000 / whole) / 10

/** Sums each status's weight: 1 per municipality for municipality counts, its population for population counts. */
export function countByStatus<T extends { status: Status }> (items: readonly T[], weight: (item: T) => number): StatusCounts {
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
