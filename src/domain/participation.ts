/**
 * Who takes part in which year of a recommendation period, from the municipalities' decisions and the
 * period's join deadlines. Dates are YYYY-MM-DD strings, which compare correctly as text.
 */

export type Outcome = 'adopted' | 'declined'
export type Status = Outcome | 'no_answer'

export interface PeriodYear {
  year: number
  join_deadline: string | null
}

/** A decision that counts: withdrawn ones are left out before they get here. */
export interface DecisionFact {
  id: number
  municipality_code: string
  outcome: Outcome
  received_on: string
  first_year: number | null
}

/**
 * The last day a decision may arrive and still count for the year: its own deadline, or else the day before it begins.
 */
export const lastDayToJoin = ({ year, join_deadline }: PeriodYear) => join_deadline ?? `${year - 1}-12-31`

/**
 * The rules a period's deadlines must follow so that the first year of participation is well defined:
 * each year's last day to join falls after the previous year's.
 */
export function deadlineErrors(years: readonly PeriodYear[]): Array<{ year: number; detail: string }> {
  const errors: Array<{ year: number; detail: string }> = []
  for (let i = 1; i < years.length; i++) {
    const previous = years[i - 1]!
    const year = years[i]!
    if (lastDayToJoin(year) <= lastDayToJoin(previous)) {
      errors.push({
        year: year.year,
        detail: `the last day to join for ${year.year} (${lastDayToJoin(year)}) must come after the one for ${previous.year} (${lastDayToJoin(previous)})`
      })
    }
  }
  return errors
}

/**
 * The first year an adoption takes part in: the first year whose last day to join is on or after the day the
 * decision was received, or the year the municipality asked for if that is later. A requested year the
 * deadlines have already closed is an error, as is an adoption received after the period's last deadline.
 */
export function firstYearOf(
  receivedOn: string,
  years: readonly PeriodYear[],
  requested?: number
): { year: number } | { error: string } {
  const earliest = years.find(year => receivedOn <= lastDayToJoin(year))
  if (earliest === undefined) {
    const last = years.at(-1)
    return {
      error: `received on ${receivedOn}, after the last day to join the period${last === undefined ? '' : ` (${lastDayToJoin(last)} for ${last.year})`}`
    }
  }
  if (requested === undefined) return { year: earliest.year }
  if (!years.some(year => year.year === requested))
    return { error: `${requested} is not a year of the period (${years[0]!.year}–${years.at(-1)!.year})` }
  if (requested < earliest.year) {
    const closed = years.find(year => year.year === requested)!
    return {
      error: `received on ${receivedOn}, after the last day to join for ${requested} (${lastDayToJoin(closed)}); the earliest possible first year is ${earliest.year}`
    }
  }
  return { year: requested }
}

/**
 * Which decision supersedes which: the later one, by the day received and, among decisions received the same day, by
 * the order recorded (the id). The one definition: the SQL that picks or marks decisions in force orders by these
 * columns (routes/decisions, routes/uptake), and test/decisions-in-force.test.ts holds it to this comparison.
 */
export const SUPERSEDING_ORDER = ['received_on', 'id'] as const

/** What SUPERSEDING_ORDER compares. */
type SupersedingKey = Pick<DecisionFact, (typeof SUPERSEDING_ORDER)[number]>

/** Negative when `a` supersedes `b`: later first. */
const laterFirst = (a: SupersedingKey, b: SupersedingKey) => {
  for (const column of SUPERSEDING_ORDER) {
    if (a[column] !== b[column]) return a[column] > b[column] ? -1 : 1
  }
  return 0
}

/** Does `a` supersede `b`? */
export const supersedes = (a: SupersedingKey, b: SupersedingKey) => laterFirst(a, b) < 0

/** The decision in force on a date: the latest one received on or before it. */
export function decisionInForce<D extends DecisionFact>(decisions: readonly D[], onDate: string): D | undefined {
  let best: D | undefined
  for (const decision of decisions) {
    if (decision.received_on > onDate) continue
    if (best === undefined || laterFirst(decision, best) < 0) best = decision
  }
  return best
}

export interface MunicipalityParticipation<D extends DecisionFact> {
  status: Status
  /** The decision in force on the as-of date, if any. */
  decision: D | undefined
  /** The years it takes part in, as known on the as-of date. */
  years: number[]
}

/**
 * The decision a municipality takes part in a year by, or undefined if it does not take part: the decision in force on
 * the year's last day to join (or on `asOf`, if that is earlier), when it is an adoption whose first year is the year
 * or before.
 */
export function participatingDecision<D extends DecisionFact>(
  decisions: readonly D[],
  year: PeriodYear,
  asOf: string
): D | undefined {
  const lastDay = lastDayToJoin(year)
  const decision = decisionInForce(decisions, lastDay < asOf ? lastDay : asOf)
  return decision?.outcome === 'adopted' && decision.first_year !== null && decision.first_year <= year.year
    ? decision
    : undefined
}

/**
 * One municipality's status on `asOf` and the years it takes part in: a late adoption counts from a later year,
 * and a later "no" ends participation only for years still open.
 */
export function participationOf<D extends DecisionFact>(
  decisions: readonly D[],
  years: readonly PeriodYear[],
  asOf: string
): MunicipalityParticipation<D> {
  const decision = decisionInForce(decisions, asOf)
  const participating = years
    .filter(year => participatingDecision(decisions, year, asOf) !== undefined)
    .map(({ year }) => year)
  return { status: decision?.outcome ?? 'no_answer', decision, years: participating }
}

export interface TimelinePoint {
  date: string
  adopted: number
  declined: number
  no_answer: number
}

/**
 * How the statuses stood at the end of every day on which a decision arrived, up to `asOf`:
 * the cumulative picture BI tools chart over time.
 */
export function timeline(decisions: readonly DecisionFact[], municipalityCount: number, asOf: string): TimelinePoint[] {
  const ordered = decisions.filter(d => d.received_on <= asOf).sort((a, b) => -laterFirst(a, b))
  const current = new Map<string, Outcome>()
  const counts = { adopted: 0, declined: 0 }
  const points: TimelinePoint[] = []
  for (const decision of ordered) {
    const before = current.get(decision.municipality_code)
    if (before !== undefined) counts[before]--
    counts[decision.outcome]++
    current.set(decision.municipality_code, decision.outcome)
    const point = { date: decision.received_on, ...counts, no_answer: municipalityCount - current.size }
    if (points.at(-1)?.date === decision.received_on) points[points.length - 1] = point
    else points.push(point)
  }
  return points
}

/** Per financing year, the municipalities that take part in it. */
export function participantsByYear<Y extends { year: number }>(
  years: readonly Y[],
  municipalities: ReadonlyArray<{ code: string; years: readonly number[] }>
) {
  return years.map(year => {
    const codes = municipalities.filter(m => m.years.includes(year.year)).map(m => m.code)
    return { ...year, participant_count: codes.length, municipality_codes: codes }
  })
}
