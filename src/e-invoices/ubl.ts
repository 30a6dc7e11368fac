/**
 * Peppol BIS Billing 3.0 documents (UBL 2.1 Invoice and CreditNote) for our invoices, credit notes and
 * supplementary invoices. Pure: no database, no HTTP. Every value a caller wrote (names, references) goes in as
 * XML text through the builder, never as markup.
 */

import { create } from 'xmlbuilder2'
import { formatOre, toOre } from '../domain/money.ts'
import { isOrganisationNumber } from '../domain/organisation-numbers.ts'

/** How the invoicing party is configured (src/config.ts): who we are, where we are paid, how VAT is treated. */
export interface InvoicingParty {
  readonly name: string
  /** NNNNNN-NNNN */
  readonly organisation_number: string
  /** `0007:` and the organisation number's ten digits */
  readonly peppol_id: string
  readonly street: string
  readonly postal_code: string
  readonly city: string
  /** Swedish Bankgiro number (7-8 digits, a hyphen allowed), or null: no payment means is given. */
  readonly bankgiro: string | null
  /** UNCL5305: `O` not subject to VAT (the default), `E` exempt from VAT. Both carry no VAT amount. */
  readonly vat_category: 'O' | 'E'
  /** The exemption reason the document states (BT-120). */
  readonly vat_exemption_reason: string
  /** Days from the invoice date to the due date. */
  readonly payment_terms_days: number
}

export interface EInvoice {
  /** An invoice and a supplementary invoice are UBL Invoices (380); a credit note is a UBL CreditNote (381). */
  readonly type: 'invoice' | 'supplementary_invoice' | 'credit_note'
  /** The document number (BT-1): the invoice's reference, an adjustment's reference. */
  readonly number: string
  readonly issue_date: string
  /** The buyer reference (BT-10): `{case number}-{year}-{municipality code}`. */
  readonly buyer_reference: string
  /** The original invoice an adjustment corrects (BG-3); null for an invoice. */
  readonly preceding: { readonly number: string; readonly issue_date: string } | null
  /** The financing year invoiced (BG-14). */
  readonly period: { readonly start: string; readonly end: string }
  readonly buyer: { readonly name: string; readonly organisation_number: string }
  /** The one line: what is charged (or credited) and what it was computed from. */
  readonly line: { readonly name: string; readonly description: string; readonly amount: string }
  /** What is to be paid (or refunded): the line rounded as the period rounds; the difference is the rounding. */
  readonly payable: string
}

/** The UBL 2.1 namespaces: the two documents' roots and the common components they are built from. */
const UBL_NAMESPACES = {
  invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'
} as const

/** BT-24, the specification identifier of Peppol BIS Billing 3.0 (PEPPOL-EN16931-R004). */
const CUSTOMIZATION_ID = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'
/** BT-23, the business process: Peppol billing process 01 (PEPPOL-EN16931-R007). */
const PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0'

/** All our documents are domestic Swedish ones in kronor. */
const CURRENCY = 'SEK'
const COUNTRY = 'SE'
/** ISO 6523 ICD 0007: Swedish organisation number, as an electronic address scheme and as a registration scheme. */
const SCHEME_SE_ORGANISATION_NUMBER = '0007'
/** UN/ECE Recommendation 20 "one": the single line is one contribution, not a count of goods. */
const UNIT_CODE = 'C62'

type Builder = ReturnType<typeof create>

/**
 * The Peppol BIS Billing 3.0 document of an invoice, a supplementary invoice (both UBL Invoices, type code 380) or
 * a credit note (a UBL CreditNote, type code 381), UTF-8 with an XML declaration. Elements follow the UBL 2.1 XSD
 * sequences (they differ between the two roots: a CreditNote has no root DueDate and states its type code after
 * TaxPointDate). Throws a RangeError for input no Peppol receiver would accept (a malformed date or amount, an
 * organisation number or Peppol ID that is not ten digits with a valid check digit, an empty name), rather than
 * send a document that fails validation.
 *
 * Decisions, each from the rules (EN 16931 schematron, Peppol BIS 3.0 and its Swedish rules SE-R-*):
 * - The due date is the issue date plus the payment terms' days: an Invoice's cbc:DueDate. A CreditNote has
 *   none, and no payment means: the refund is ours to pay, to an account the municipality chooses, so our Bankgiro
 *   would only invite a payment the wrong way. Its payment terms say within how many days it is refunded, which
 *   meets BR-CO-25.
 * - The seller is identified by its legal registration (PartyLegalEntity CompanyID, scheme 0007), which meets
 *   BR-CO-26; no PartyIdentification repeats it.
 * - A seller VAT identifier (SE + the ten digits + 01) only for category E, which requires one (BR-E-02); category O
 *   forbids it (BR-O-02).
 * - VAT rate 0 for E (BR-48, BR-E-05), none for O (BR-O-05); exemption reason code VATEX-EU-O for O, and for E the
 *   reason text alone (BR-E-10 accepts it; a VATEX code for E names an article of the VAT directive, which the
 *   configured free-text reason does not tell).
 * - The rounding (payable − line) as PayableRoundingAmount only when it is not zero (BR-CO-16 holds either way).
 * - A negative line is quantity −1 at a positive price: the item net price may not be negative (BR-27).
 */
export function ublOf(party: InvoicingParty, document: EInvoice): string {
  const credit = document.type === 'credit_note'
  const sellerDigits = organisationDigits(party.organisation_number, 'the invoicing party’s organisation number')
  const endpoint = peppolDigits(party.peppol_id)
  const buyerDigits = organisationDigits(document.buyer.organisation_number, 'the buyer’s organisation number')
  const bankgiro = party.bankgiro === null ? null : bankgiroDigits(party.bankgiro)
  if (!Number.isSafeInteger(party.payment_terms_days) || party.payment_terms_days < 0)
    throw new RangeError(`the payment terms must be a whole number of days: ${party.payment_terms_days}`)
  const issueDate = isoDate(document.issue_date, 'the issue date')
  const dueDate = addDays(issueDate, party.payment_terms_days)
  const line = toOre(document.line.amount)
  const payable = toOre(document.payable)
  const rounding = payable - line
  const exempt = party.vat_category === 'E'

  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(
    credit ? UBL_NAMESPACES.creditNote : UBL_NAMESPACES.invoice,
    credit ? 'CreditNote' : 'ubl:Invoice',
    { 'xmlns:cac': UBL_NAMESPACES.cac, 'xmlns:cbc': UBL_NAMESPACES.cbc }
  )
  cbc(root, 'CustomizationID', CUSTOMIZATION_ID)
  cbc(root, 'ProfileID', PROFILE_ID)
  cbc(root, 'ID', text(document.number, 'the document number'))
  cbc(root, 'IssueDate', issueDate)
  if (credit) cbc(root, 'CreditNoteTypeCode', '381')
  else {
    cbc(root, 'DueDate', dueDate)
    cbc(root, 'InvoiceTypeCode', '380')
  }
  cbc(root, 'DocumentCurrencyCode', CURRENCY)
  cbc(root, 'BuyerReference', text(document.buyer_reference, 'the buyer reference'))
  const period = cac(root, 'InvoicePeriod')
  cbc(period, 'StartDate', isoDate(document.period.start, 'the period’s start'))
  cbc(period, 'EndDate', isoDate(document.period.end, 'the period’s end'))
  if (document.period.end < document.period.start) throw new RangeError('the period ends before it starts')
  if (document.preceding !== null) {
    const preceding = cac(cac(root, 'BillingReference'), 'InvoiceDocumentReference')
    cbc(preceding, 'ID', text(document.preceding.number, 'the preceding invoice’s number'))
    cbc(preceding, 'IssueDate', isoDate(document.preceding.issue_date, 'the preceding invoice’s issue date'))
  }

  const seller = cac(cac(root, 'AccountingSupplierParty'), 'Party')
  cbc(seller, 'EndpointID', endpoint, { schemeID: SCHEME_SE_ORGANISATION_NUMBER })
  const address = cac(seller, 'PostalAddress')
  cbc(address, 'StreetName', text(party.street, 'the street'))
  cbc(address, 'CityName', text(party.city, 'the city'))
  cbc(address, 'PostalZone', text(party.postal_code, 'the postal code'))
  cbc(cac(address, 'Country'), 'IdentificationCode', COUNTRY)
  if (exempt) {
    const vat = cac(seller, 'PartyTaxScheme')
    cbc(vat, 'CompanyID', `${COUNTRY}${sellerDigits}01`)
    cbc(cac(vat, 'TaxScheme'), 'ID', 'VAT')
  }
  const sellerEntity = cac(seller, 'PartyLegalEntity')
  cbc(sellerEntity, 'RegistrationName', text(party.name, 'the invoicing party’s name'))
  cbc(sellerEntity, 'CompanyID', sellerDigits, { schemeID: SCHEME_SE_ORGANISATION_NUMBER })

  const buyer = cac(cac(root, 'AccountingCustomerParty'), 'Party')
  cbc(buyer, 'EndpointID', buyerDigits, { schemeID: SCHEME_SE_ORGANISATION_NUMBER })
  cbc(cac(cac(buyer, 'PostalAddress'), 'Country'), 'IdentificationCode', COUNTRY)
  const buyerEntity = cac(buyer, 'PartyLegalEntity')
  cbc(buyerEntity, 'RegistrationName', text(document.buyer.name, 'the buyer’s name'))
  cbc(buyerEntity, 'CompanyID', buyerDigits, { schemeID: SCHEME_SE_ORGANISATION_NUMBER })

  if (bankgiro !== null && !credit) {
    // SE-R-011, SE-R-012: a Swedish Bankgiro is credit transfer, code 30, with the branch SE:BANKGIRO.
    const means = cac(root, 'PaymentMeans')
    cbc(means, 'PaymentMeansCode', '30')
    cbc(means, 'PaymentID', document.number)
    const account = cac(means, 'PayeeFinancialAccount')
    cbc(account, 'ID', bankgiro)
    cbc(cac(account, 'FinancialInstitutionBranch'), 'ID', 'SE:BANKGIRO')
  }
  const days = `${party.payment_terms_days} ${party.payment_terms_days === 1 ? 'dag' : 'dagar'}`
  cbc(cac(root, 'PaymentTerms'), 'Note', credit ? `Återbetalas inom ${days}` : `${days} netto`)

  const taxTotal = cac(root, 'TaxTotal')
  amount(taxTotal, 'TaxAmount', 0n)
  const subtotal = cac(taxTotal, 'TaxSubtotal')
  amount(subtotal, 'TaxableAmount', line)
  amount(subtotal, 'TaxAmount', 0n)
  const category = cac(subtotal, 'TaxCategory')
  cbc(category, 'ID', party.vat_category)
  if (exempt) cbc(category, 'Percent', '0')
  else cbc(category, 'TaxExemptionReasonCode', 'VATEX-EU-O')
  cbc(category, 'TaxExemptionReason', text(party.vat_exemption_reason, 'the VAT exemption reason'))
  cbc(cac(category, 'TaxScheme'), 'ID', 'VAT')

  const totals = cac(root, 'LegalMonetaryTotal')
  amount(totals, 'LineExtensionAmount', line)
  amount(totals, 'TaxExclusiveAmount', line)
  amount(totals, 'TaxInclusiveAmount', line)
  if (rounding !== 0n) amount(totals, 'PayableRoundingAmount', rounding)
  amount(totals, 'PayableAmount', payable)

  const invoiceLine = cac(root, credit ? 'CreditNoteLine' : 'InvoiceLine')
  cbc(invoiceLine, 'ID', '1')
  cbc(invoiceLine, credit ? 'CreditedQuantity' : 'InvoicedQuantity', line < 0n ? '-1' : '1', { unitCode: UNIT_CODE })
  amount(invoiceLine, 'LineExtensionAmount', line)
  const item = cac(invoiceLine, 'Item')
  cbc(item, 'Description', text(document.line.description, 'the line’s description'))
  cbc(item, 'Name', text(document.line.name, 'the line’s name'))
  const classified = cac(item, 'ClassifiedTaxCategory')
  cbc(classified, 'ID', party.vat_category)
  if (exempt) cbc(classified, 'Percent', '0')
  cbc(cac(classified, 'TaxScheme'), 'ID', 'VAT')
  amount(cac(invoiceLine, 'Price'), 'PriceAmount', line < 0n ? -line : line)

  // wellFormed: a character XML cannot carry (a control character in a name) throws instead of vanishing.
  return root.end({ prettyPrint: true, wellFormed: true })
}

/** An aggregate (cac) child element. */
const cac = (parent: Builder, name: string): Builder => parent.ele(UBL_NAMESPACES.cac, `cac:${name}`)

/**
 * A basic (cbc) child element holding `value` as text: the builder escapes it, it never becomes markup. But
 * xmlbuilder2 (4.0.3 too, its issue #117) leaves an `&` that starts something shaped like a reference (`&amp;`,
 * `&Co;`, `&#1;`) as it is, so "A &amp; B" would read back as "A & B" and "&Co;" would be an undeclared entity, no
 * longer well-formed XML. Every `&` is therefore handed over as `&amp;`, which the builder keeps: each `&` of the
 * value comes out as exactly one `&amp;`. (The attribute values are our constants.)
 */
function cbc(parent: Builder, name: string, value: string, attributes?: Record<string, string>): void {
  parent.ele(UBL_NAMESPACES.cbc, `cbc:${name}`, attributes).txt(value.replaceAll('&', '&amp;'))
}

/** An amount in kronor with two decimals, its currency stated. */
function amount(parent: Builder, name: string, ore: bigint): void {
  cbc(parent, name, formatOre(ore), { currencyID: CURRENCY })
}

/** Text that is not empty once its white space is normalised (BR-*, PEPPOL-EN16931-R008: no empty elements). */
function text(value: string, what: string): string {
  if (value.trim() === '') throw new RangeError(`${what} is empty`)
  return value
}

/** A calendar date YYYY-MM-DD (PEPPOL-EN16931-F001). */
function isoDate(value: string, what: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
    addDays(value, 0) !== value
  )
    throw new RangeError(`${what} is not a date YYYY-MM-DD: ${value}`)
  return value
}

function addDays(date: string, days: number): string {
  const day = new Date(`${date}T00:00:00Z`)
  day.setUTCDate(day.getUTCDate() + days)
  return day.toISOString().slice(0, 10)
}

/** NNNNNN-NNNN with a valid check digit → its ten digits (PEPPOL-COMMON-R049, SE-R-003, SE-R-004, SE-R-013). */
function organisationDigits(value: string, what: string): string {
  if (!isOrganisationNumber(value)) throw new RangeError(`${what} is not an organisation number NNNNNN-NNNN: ${value}`)
  return value.replace('-', '')
}

/** `0007:` and ten digits that form a valid organisation number → the ten digits (PEPPOL-COMMON-R049). */
function peppolDigits(value: string): string {
  const match = /^0007:(\d{6})(\d{4})$/.exec(value)
  if (match === null || !isOrganisationNumber(`${match[1]}-${match[2]}`))
    throw new RangeError(`the Peppol ID is not 0007: and an organisation number's ten digits: ${value}`)
  return `${match[1]}${match[2]}`
}

/** A Bankgiro number NNN-NNNN or NNNN-NNNN (the hyphen optional) → its 7 or 8 digits (SE-R-008, SE-R-009). */
function bankgiroDigits(value: string): string {
  const match = /^(\d{3,4})-?(\d{4})$/.exec(value)
  if (match === null) throw new RangeError(`not a Bankgiro number: ${value}`)
  return `${match[1]}${match[2]}`
}
