/**
 * Money is exact: amounts travel as decimal strings in SEK ("93617.55") and are computed in öre as bigint.
 * A float never touches an amount.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,2}))?$/

/** "19500000.00" → 1950000000n öre. Throws on anything but a decimal with at most two decimals. */
export function toOre (sek: string): bigint {
  const match = DECIMAL.exec(sek)
  if (match === null) throw new RangeError(`not an amount in SEK: ${sek}`)
  const [, sign, kronor = '0', ore = ''] = match
  const magnitude = BigInt(kronor) * 100n + BigInt(ore.padEnd(2, '0'))
  return sign === '-' ? -magnitude : magnitude
}

/** 9361755n öre → "93617.55". */
export function formatOre (ore: bigint): string {
  const magnitude = ore < 0n ? -ore : ore
  return `${ore < 0n ? '-' : ''}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`
}
