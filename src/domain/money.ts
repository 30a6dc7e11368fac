/**
 * Money is exact: amounts travel as decimal strings in SEK ("93617.55") and are computed as bigint counts of
 * a fixed unit (öre, or 10^-scale SEK where a product needs more decimals). A float never touches an amount.
 */

export type RoundingMode = 'half_away_from_zero' | 'half_to_even'

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

/**
 * A decimal string as a count of 10^-scale units: ("1.95", 4) → 19500n. Throws if it has more decimals than the scale.
 */
export function scaled(decimal: string, scale: number): bigint {
  const match = DECIMAL.exec(decimal)
  if (match === null || (match[3]?.length ?? 0) > scale)
    throw new RangeError(`not a decimal with at most ${scale} decimals: ${decimal}`)
  const [, sign, whole = '0', fraction = ''] = match
  const magnitude = BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0')
  return sign === '-' ? -magnitude : magnitude
}

/** A count of 10^-scale units as a decimal string with at least two decimals and no trailing zeros beyond them. */
export function formatScaled(units: bigint, scale: number): string {
  const magnitude = units < 0n ? -units : units
  const unit = 10n ** BigInt(scale)
  const fraction = (magnitude % unit).toString().padStart(scale, '0').replace(/0+$/, '').padEnd(2, '0')
  return `${units < 0n ? '-' : ''}${magnitude / unit}.${fraction}`
}

/** "19500000.00" → 1950000000n öre. Throws on anything but a decimal with at most two decimals. */
export const toOre = (sek: string): bigint => scaled(sek, 2)

/** 9361755n öre → "93617.55". */
export const formatOre = (ore: bigint): string => formatScaled(ore, 2)

/** numerator / denominator (> 0) rounded to an integer: halves away from zero, or to the even neighbour. */
export function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator <= 0n) throw new RangeError('the denominator must be positive')
  const negative = numerator < 0n
  const magnitude = negative ? -numerator : numerator
  let quotient = magnitude / denominator
  const twiceRemainder = (magnitude % denominator) * 2n
  if (
    twiceRemainder > denominator ||
    (twiceRemainder === denominator && (mode === 'half_away_from_zero' || quotient % 2n === 1n))
  )
    quotient++
  return negative ? -quotient : quotient
}

/**
 * Splits `total` units in proportion to non-negative weights so that the parts sum to `total` exactly: each part
 * gets the whole units of its quota, and the units left over go to the largest remainders, ties to the earlier part.
 */
export function largestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n)
  if (sum <= 0n) throw new RangeError('the weights must have a positive sum')
  const parts = weights.map(w => (total * w) / sum)
  let left = total - parts.reduce((a, b) => a + b, 0n)
  const byRemainder = weights
    .map((w, i) => ({ i, remainder: (total * w) % sum }))
    .sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1))
  for (const { i } of byRemainder) {
    if (left === 0n) break
    parts[i]!++
    left--
  }
  return parts
}
