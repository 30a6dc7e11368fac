import { createHash } from 'node:crypto'
import { build } from '../app.ts'
import * as apiKeys from '../db/api-keys.ts'
import { configOrExit } from '../config.ts'
import { openDatabase } from '../db/open.ts'
import { prepareDatabase } from '../db/prepare.ts'

/**
 * `npm run demo`: records, through the API, a synthetic history of recommendation 18/00295 that reproduces every
 * count SKR/SKL published, so that a newcomer sees uptake, a timeline, a map and invoices at once. Which municipality
 * decided what was never published: the assignment below is made up (deterministic: the codes ordered by a hash), and
 * every decision says so in `decided_by`. Only Tyresö's decision leans on a source (seed 002, its case number).
 */

export const DEMO_CASE_NUMBER = '18/00295'
/** In every synthetic decision's `decided_by` (the decision schema has no note field). */
export const SYNTHETIC_MARKER = '(syntetiskt demo-beslut)'
export const DEMO_SCOPES: apiKeys.Scope[] = ['read', 'decisions:write', 'finance:write']

/** What the history reproduces: SKL/SKR's published figures, with the exact numbers chosen where they said "about". */
export const PUBLISHED = {
  /** "nästan 80 %" adopted and 6 % declined: 232 (80.0 %) and 17 (5.9 %) of 290. */
  july2019: { as_of: '2019-07-01', adopted: 232, declined: 17, no_answer: 41 },
  /** SKL's blog of 27 November 2019 (seed 004): 260 adopted, 21 declined, 9 not answered. */
  november2019: { as_of: '2019-11-27', adopted: 260, declined: 21, no_answer: 9 },
  /**
   * By then 288 of 290 take part (SKR, January 2022 and September 2023: "288 av 290 kommuner"), after 280 in 2020 (SKR,
   * 10 September 2020, seed 003: taking part and invoiced) and 285 in 2021 (not published: the adoptions by 15 June).
   */
  january2022: '2022-01-31'
} as const

/**
 * Finance's recorded acceptance of invoicing on substitute population figures: of the 30 November 2018 figures the
 * rule asks for, the shipped data holds Tyresö's only, so every other share rests on a substitute (the closest figure).
 */
export const SUBSTITUTE_POPULATION_ACCEPTANCE = {
  decided_by: `Ekonomiavdelningen, SKR ${SYNTHETIC_MARKER}`,
  reason:
    'Demonstrationsdata: SCB:s folkmängd per 30 november 2018 finns bara för Tyresö i tjänstens data; övriga ' +
    'kommuners andelar 2020 bygger på den siffra som ligger närmast i tid, synligt markerad som ersättning.'
}
const INVOICE_2020 = { year: 2020, invoice_date: '2020-02-14' }

export interface DemoDecision {
  municipality_code: string
  outcome: 'adopted' | 'declined'
  decided_on: string
  decided_by: string
  received_on: string
  municipal_case_number?: string
}

/** Thrown when the database is not fresh: the demo never adds to real (or earlier demo) decisions. */
export class DemoRefused extends Error {
  override name = 'DemoRefused'
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex')
const DAY = 86_400_000
const toDate = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const toMs = (date: string) => Date.parse(`${date}T00:00:00Z`)

/** Monday to Friday from `from` to `to`, inclusive. */
function weekdays(from: string, to: string): string[] {
  const days: string[] = []
  for (let ms = toMs(from); ms <= toMs(to); ms += DAY) {
    const weekday = new Date(ms).getUTCDay()
    if (weekday !== 0 && weekday !== 6) days.push(toDate(ms))
  }
  return days
}

const BODIES = ['Kommunstyrelsen', 'Kommunfullmäktige', 'Kommunstyrelsen', 'Socialnämnden', 'Kommunfullmäktige']

/** A decision received on `received_on`, decided 2 to 20 days before it (a weekday, never before `notBefore`). */
function decision(
  code: string,
  outcome: DemoDecision['outcome'],
  receivedOn: string,
  notBefore = '2019-01-02'
): DemoDecision {
  const hash = Number.parseInt(hashOf(`${code}:${receivedOn}`).slice(0, 8), 16)
  let decided = toMs(receivedOn) - (2 + (hash % 19)) * DAY
  while ([0, 6].includes(new Date(decided).getUTCDay())) decided -= DAY
  const decidedOn = toDate(decided) < notBefore ? notBefore : toDate(decided)
  return {
    municipality_code: code,
    outcome,
    decided_on: decidedOn > receivedOn ? receivedOn : decidedOn,
    decided_by: `${BODIES[hash % BODIES.length]} ${SYNTHETIC_MARKER}`,
    received_on: receivedOn
  }
}

/** Spreads the codes (in the order given) evenly over the weekdays of a window. */
const spread = (codes: readonly string[], from: string, to: string) => {
  const days = weekdays(from, to)
  return codes.map((code, i) => ({ code, day: days[Math.floor((i * days.length) / codes.length)]! }))
}

const TYRESO = '0138'

/**
 * The whole synthetic history, in the order received, for the 290 municipality codes. Phases (received_on):
 *  A. 2019-01-14 – 2019-06-28: 232 adopt (Tyresö among them, 2019-05-02), 17 decline → 1 July: 232/17/41.
 *  B. 2019-08-12 – 2019-11-27: 28 adopt, 4 decline → 27 November: 260/21/9.
 *  C. 2019-11-28 – 2019-12-13: 16 of the 21 who declined change their minds, 4 of the 9 silent adopt → 280 take part
 *     in 2020 (deadline 15 December 2019).
 *  D. 2020-01-13 – 2020-06-15: 3 decliners and 2 silent adopt → 285 from 2021 (deadline 15 June 2020).
 *  E. 2020-08-17 – 2021-12-17: 1 decliner and 2 silent adopt → 288 from 2022 (last day 31 December 2021).
 * One municipality keeps its "no" and one never answers.
 */
export function demoHistory(allCodes: readonly string[]): DemoDecision[] {
  if (allCodes.length !== 290 || !allCodes.includes(TYRESO))
    throw new Error(`the demo history is for SCB's 290 municipalities; ${allCodes.length} codes were given`)
  const order = allCodes
    .filter(code => code !== TYRESO)
    .map(code => ({ code, key: hashOf(`${DEMO_CASE_NUMBER}:${code}`) }))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map(({ code }) => code)
  let next = 0
  const take = (n: number) => {
    next += n
    return order.slice(next - n, next)
  }
  const earlyAdopters = take(231)
  const earlyDecliners = take(17)
  const autumnAdopters = take(28)
  const autumnDecliners = take(4)
  const silent = take(9)
  const decliners = [...earlyDecliners, ...autumnDecliners]
  // Who changes their mind when: decliners 16/3/1 (1 stays), the silent 4/2/2 (1 never answers).
  const changing = { C: decliners.slice(0, 16), D: decliners.slice(16, 19), E: decliners.slice(19, 20) }
  const lateSilent = { C: silent.slice(0, 4), D: silent.slice(4, 6), E: silent.slice(6, 8) }

  const history: DemoDecision[] = []
  const received = new Map<string, string>()
  const record = (d: DemoDecision) => {
    history.push(d)
    received.set(d.municipality_code, d.received_on)
  }
  // Within a phase, adoptions and declines interleave in an order of their own.
  const shuffled = <T extends { code: string }>(items: T[], salt: string) =>
    items
      .map(item => ({ item, key: hashOf(`${salt}:${item.code}`) }))
      .sort((a, b) => a.key.localeCompare(b.key))
      .map(({ item }) => item)
  const phase = (
    salt: string,
    from: string,
    to: string,
    groups: Array<[readonly string[], DemoDecision['outcome']]>
  ) => {
    const rows = shuffled(
      groups.flatMap(([codes, outcome]) => codes.map(code => ({ code, outcome }))),
      salt
    )
    const days = new Map(
      spread(
        rows.map(r => r.code),
        from,
        to
      ).map(({ code, day }) => [code, day])
    )
    for (const { code, outcome } of rows) {
      const previous = received.get(code)
      const notBefore = previous === undefined ? undefined : toDate(toMs(previous) + DAY)
      record(decision(code, outcome, days.get(code)!, notBefore))
    }
  }

  phase('A', '2019-01-14', '2019-06-28', [
    [earlyAdopters, 'adopted'],
    [earlyDecliners, 'declined']
  ])
  // Tyresö: the staff report of 12 March 2019 (seed 002, 2019/ÄON 0042) proposed adopting; the decision's day is not
  // in the sources, so the day here is the one the rest of the project uses (the contract's example, test/fixtures.ts).
  record({
    municipality_code: TYRESO,
    outcome: 'adopted',
    decided_on: '2019-04-24',
    decided_by: `Kommunstyrelsen ${SYNTHETIC_MARKER}`,
    municipal_case_number: '2019/ÄON 0042',
    received_on: '2019-05-02'
  })
  phase('B', '2019-08-12', '2019-11-27', [
    [autumnAdopters, 'adopted'],
    [autumnDecliners, 'declined']
  ])
  phase('C', '2019-11-28', '2019-12-13', [
    [changing.C, 'adopted'],
    [lateSilent.C, 'adopted']
  ])
  phase('D', '2020-01-13', '2020-06-15', [
    [changing.D, 'adopted'],
    [lateSilent.D, 'adopted']
  ])
  phase('E', '2020-08-17', '2021-12-17', [
    [changing.E, 'adopted'],
    [lateSilent.E, 'adopted']
  ])
  return history.sort((a, b) => a.received_on.localeCompare(b.received_on))
}

/** What recording needs of the service: `build()`'s instance (in-process, no port). */
type App = Awaited<ReturnType<typeof build>>

export interface DemoSummary {
  period_id: number
  decisions: number
  imports: number
  invoiced_2020: { invoice_count: number; invoiced: string }
}

/**
 * Records the demo history through the API with `token` (scopes read, decisions:write, finance:write): Tyresö's
 * decision as one POST /v1/decisions, every other one in a POST /v1/decision-imports per month received, then 2020
 * invoiced. Every POST carries an Idempotency-Key. Refuses (DemoRefused) when the period has decisions already.
 */
export async function recordDemo(app: App, token: string): Promise<DemoSummary> {
  const headers = { authorization: `Bearer ${token}` }
  const call = async (method: 'GET' | 'POST', url: string, expected: number, payload?: unknown, key?: string) => {
    const response = await app.inject({
      method,
      url,
      headers: key === undefined ? headers : { ...headers, 'idempotency-key': key },
      ...(payload === undefined ? {} : { payload: payload as object })
    })
    if (response.statusCode !== expected)
      throw new Error(`${method} ${url} answered ${response.statusCode}, not ${expected}: ${response.body}`)
    return response.json()
  }

  const periods = await call('GET', `/v1/recommendation-periods?case_number=${DEMO_CASE_NUMBER}`, 200)
  const periodId = periods.items[0]?.id as number | undefined
  if (periodId === undefined) throw new Error(`No recommendation period has case number ${DEMO_CASE_NUMBER}.`)
  const existing = await call('GET', `/v1/decisions?period_id=${periodId}&limit=1`, 200)
  if (existing.total_items > 0)
    throw new DemoRefused(
      `Period ${DEMO_CASE_NUMBER} has ${existing.total_items} decision(s) already; the demo records a history of its ` +
        'own and is for a fresh database only (e.g. DATA_DIR=/tmp/demo-data npm run demo). Nothing was recorded.'
    )

  const codes: string[] = []
  for (let page = 1; codes.length < 290; page++) {
    const body = await call('GET', `/v1/municipalities?limit=500&page=${page}`, 200)
    codes.push(...body.items.map((m: { code: string }) => m.code))
    if (page >= body.total_pages) break
  }
  const history = demoHistory(codes)
  const prefix = `demo-${DEMO_CASE_NUMBER.replace('/', '-')}`
  const byMonth = new Map<string, DemoDecision[]>()
  for (const d of history) {
    const month = d.received_on.slice(0, 7)
    byMonth.set(month, [...(byMonth.get(month) ?? []), d])
  }
  let imports = 0
  for (const [month, rows] of byMonth) {
    const tyreso = rows.filter(d => d.municipality_code === TYRESO)
    for (const d of tyreso)
      await call('POST', '/v1/decisions', 201, { ...d, period_id: periodId }, `${prefix}-decision-${TYRESO}`)
    const others = rows.filter(d => d.municipality_code !== TYRESO).map(d => ({ ...d, period_id: periodId }))
    if (others.length === 0) continue
    await call('POST', '/v1/decision-imports', 201, others, `${prefix}-decisions-${month}`)
    imports++
  }

  const invoiced = await call(
    'POST',
    `/v1/recommendation-periods/${periodId}/invoiced-years`,
    201,
    { ...INVOICE_2020, substitute_population: SUBSTITUTE_POPULATION_ACCEPTANCE },
    `${prefix}-invoice-2020`
  )
  return {
    period_id: periodId,
    decisions: history.length,
    imports,
    invoiced_2020: { invoice_count: invoiced.invoice_count, invoiced: invoiced.invoiced }
  }
}

/** The published figures read back through the API, for the command's report. */
async function readBack(app: App, token: string, periodId: number) {
  const get = async (url: string) =>
    (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).json()
  const base = `/v1/recommendation-periods/${periodId}`
  const lines: string[] = []
  for (const { as_of } of [PUBLISHED.july2019, PUBLISHED.november2019]) {
    const m = (await get(`${base}/uptake?as_of=${as_of}`)).municipalities
    lines.push(
      `  ${as_of}: ${m.adopted} adopted (${m.adopted_percent} %), ${m.declined} declined (${m.declined_percent} %), ` +
        `${m.no_answer} no answer`
    )
  }
  const participation = await get(`${base}/participation?as_of=${PUBLISHED.january2022}`)
  lines.push(
    `  taking part, as of ${PUBLISHED.january2022}: ` +
      participation.years
        .map((y: { year: number; participant_count: number }) => `${y.year}: ${y.participant_count}`)
        .join(', ')
  )
  return lines.join('\n')
}

/** What a run on DATABASE_URL must say: the demo's invoices, like all invoices, can never be deleted. */
export const INTO_DATABASE_URL = '--into-database-url'

if (import.meta.main) {
  const config = configOrExit()
  if (config.databaseUrl !== undefined && !process.argv.includes(INTO_DATABASE_URL)) {
    console.error(
      'DATABASE_URL is set, and the demo writes 309 synthetic decisions and invoices 2020 for good (decisions and ' +
        'invoices are never deleted). It is meant for the embedded database (unset DATABASE_URL, e.g. ' +
        `DATA_DIR=/tmp/demo-data npm run demo); to write into DATABASE_URL's database, say so: npm run demo -- ` +
        `${INTO_DATABASE_URL}. Nothing was recorded.`
    )
    process.exit(2)
  }
  const database = await openDatabase(config)
  let app: App | undefined
  const name = `demo-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}`
  try {
    await prepareDatabase(database.db)
    app = await build({ db: database.db, reportDb: database.reportDb, listenTo: config.databaseListenUrl })
    const token = await apiKeys.create(database.db, name, DEMO_SCOPES)
    try {
      const summary = await recordDemo(app, token)
      console.log(
        `Recorded a synthetic history of ${DEMO_CASE_NUMBER} on ${database.description}, as API key "${name}": ` +
          `${summary.decisions} decisions (1 POST /v1/decisions, ${summary.imports} POST /v1/decision-imports), ` +
          `every one marked "${SYNTHETIC_MARKER}" in decided_by; 2020 invoiced: ${summary.invoiced_2020.invoice_count} ` +
          `invoices, ${summary.invoiced_2020.invoiced} SEK.\n${await readBack(app, token, summary.period_id)}\n` +
          `Which municipality decided what is made up; only the counts are SKR's. The key "${name}" is revoked.`
      )
    } finally {
      await apiKeys.revoke(database.db, name)
    }
  } catch (error) {
    if (!(error instanceof DemoRefused)) throw error
    console.error(error.message)
    process.exitCode = 2
  } finally {
    await app?.close()
    await database.close()
  }
}
