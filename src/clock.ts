// Made once: building a formatter costs more than formatting, and reports ask for today on every request.
const swedishDate = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' })

/** Today's date in Sweden, where every deadline and decision date of the domain is set. */
export function todayInSweden(now = new Date()): string {
  return swedishDate.format(now)
}
