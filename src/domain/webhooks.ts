/** The first retry of a failed delivery waits this long; each further one twice as long as the last, up to an hour. */
export const FIRST_RETRY_MS = 2_000
export const LONGEST_RETRY_MS = 60 * 60_000
/**
 * An endpoint whose deliveries have failed without a break for this long is disabled: three days, so that a receiver
 * down over a weekend's Friday night is still retried (at least 24 hours, as promised) and catches up by itself.
 */
export const DISABLED_AFTER_FAILING_MS = 3 * 24 * 60 * 60_000

/**
 * How long to wait after the n-th failed attempt of an event (n from 1): exponential backoff, capped, with ±10 %
 * jitter so that endpoints that failed together (a receiver's outage) do not all retry in the same instant.
 */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const delay = Math.min(FIRST_RETRY_MS * 2 ** Math.min(failedAttempts - 1, 30), LONGEST_RETRY_MS)
  return Math.round(delay * (0.9 + 0.2 * random()))
}

/** Why an endpoint is disabled after this failure, or null while it is still retried. */
export function disabledReason(failingSince: Date, now: Date, lastError: string): string | null {
  if (now.getTime() - failingSince.getTime() < DISABLED_AFTER_FAILING_MS) return null
  return `Every delivery has failed since ${failingSince.toISOString()}; the last: ${lastError}`.slice(0, 500)
}

/** What is wrong with a webhook URL by itself (before its host is resolved), or undefined. */
export function webhookUrlProblem(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'is not a URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL'
  if (url.username !== '' || url.password !== '') return 'must not hold a user name or password'
  if (url.hash !== '') return 'must not have a fragment'
  return undefined
}

/** A URL's host as the resolver takes it: IPv6 literals without their brackets. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1')
