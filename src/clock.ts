/** Today's date in Sweden, where every deadline and decision date of the domain is set. */
export function todayInSweden (now = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' }).format(now)
}
