/**
 * A municipality's internal split of its cost share across operational areas (verksamhetsområden), optionally grouped
 * by the committee (nämnd) that pays for them. Amounts always sum exactly to the share: largest remainder.
 */
import { largestRemainder, scaled } from './money.ts'

export interface AllocationArea {
  area: string
  committee: string | null
  percent: string
}

/** The rules a split must follow, one entry per broken rule, with a JSON pointer into the request body. */
export function allocationErrors(areas: readonly AllocationArea[]): Array<{ pointer: string; detail: string }> {
  const errors: Array<{ pointer: string; detail: string }> = []
  const total = areas.reduce((sum, a) => sum + scaled(a.percent, 2), 0n)
  if (total !== 10000n)
    errors.push({ pointer: '/areas', detail: `the percentages add up to ${Number(total) / 100} %, not 100 %` })
  const seen = new Set<string>()
  areas.forEach((a, i) => {
    if (seen.has(a.area)) errors.push({ pointer: `/areas/${i}/area`, detail: `the area "${a.area}" is listed twice` })
    seen.add(a.area)
  })
  return errors
}

/**
 * Splits an amount in öre by the areas' percentages, in whole kronor when the amount is whole kronor (as invoices in
 * kronor are) and in öre otherwise; each committee gets the sum of its areas, so areas and committees both add up.
 */
export function splitShare(amountOre: bigint, areas: readonly AllocationArea[]) {
  const step = amountOre % 100n === 0n ? 100n : 1n
  const parts = largestRemainder(
    amountOre / step,
    areas.map(a => scaled(a.percent, 2))
  )
  const split = areas.map((a, i) => ({ ...a, amount: parts[i]! * step }))
  const committees = new Map<string, { committee: string; percent: bigint; amount: bigint }>()
  for (const a of split) {
    if (a.committee === null) continue
    const c = committees.get(a.committee) ?? { committee: a.committee, percent: 0n, amount: 0n }
    c.percent += scaled(a.percent, 2)
    c.amount += a.amount
    committees.set(a.committee, c)
  }
  return { areas: split, committees: [...committees.values()] }
}
