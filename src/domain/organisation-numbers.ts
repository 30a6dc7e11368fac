/** Swedish organisation numbers (organisationsnummer), the Peppol identifiers of scheme 0007 built from them. */

const FORMAT = /^[0-9]{6}-[0-9]{4}$/

/**
 * Whether a number is NNNNNN-NNNN with a valid check digit: the Luhn sum of its ten digits (every other digit from
 * the first doubled, a two-digit product counted by its digits) is a multiple of ten (Skatteverket's rule; the
 * Swedish Peppol rule SE-R-013).
 */
export function isOrganisationNumber(value: string): boolean {
  if (!FORMAT.test(value)) return false
  const digits = value.replace('-', '')
  let sum = 0
  for (let i = 0; i < 10; i++) {
    const product = Number(digits[i]) * (i % 2 === 0 ? 2 : 1)
    sum += product > 9 ? product - 9 : product
  }
  return sum % 10 === 0
}

/** 212000-0092 → 0007:2120000092: the Peppol participant ID in scheme 0007, organisation number. */
export const peppolIdOf = (organisationNumber: string): string => `0007:${organisationNumber.replace('-', '')}`
