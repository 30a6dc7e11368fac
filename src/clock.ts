// Made once: building a formatter costs more than formatting, and reports ask for today on every request.
const swedishDate = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' })
// The last answer, by the second it was for: a read served from memory asks for today too, and formatting a date
// costs more than the rest of such a read.
let last = { second: Number.NaN, date: '' }

/** Today's date in Sweden, where every deadline and decision date of the domain is set. */
export function todayInSweden(now = new Date()): string {
  const second = Math.floor(now.getTime() / 1000)
  if (second !== last.second) last = { second, date: swedishDate.format(now) }
  return last.date
}
