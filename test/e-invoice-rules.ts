/**
 * The rules of the official validation artefacts for Peppol BIS Billing 3.0, restated as checks of our own (read,
 * never copied):
 * - EN 16931 bound to UBL (CEN's schematron as bundled with BIS 3.0.19, validation 1.3.14.1): BR-*, BR-CO-*,
 *   BR-DEC-*, BR-O-*, BR-E-*, BR-CL-*, UBL-SR-*, UBL-CR-*;
 * - Peppol BIS 3.0 (PEPPOL-EN16931-UBL.sch, 3.0.19): PEPPOL-EN16931-R*, -P*, -F*, -CL*, PEPPOL-COMMON-R049 and the
 *   Swedish rules SE-R-001 … SE-R-013;
 * - the UBL 2.1 XSD sequences (OASIS UBL 2.1 OS) for the order of every parent element emitted.
 * The checks are XPath 1.0 and bigint öre restatements of the rules' tests, written from reading them; a rule whose
 * condition our documents never meet (no allowances, no Plusgiro, no category S) is still checked, and holds
 * vacuously. Each check returns its violations. test/e-invoice-rules.test.ts runs each on sample documents and shows
 * that it catches a broken one; test/settlements.test.ts runs them all on every e-invoice of a settled year.
 */
import { DOMParser } from '@xmldom/xmldom'
import xpath from 'xpath'
import { divideRounded, scaled, toOre } from '../src/domain/money.ts'

export const NS = {
  ubl: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  cn: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  ext: 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2'
} as const
export const CUSTOMIZATION_ID = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'
export const PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0'

// ---------------------------------------------------------------------------------------------------------------
// Parsing and querying

export const select = xpath.useNamespaces(NS)

/** Parses as application/xml; any warning or error of the parser fails (0.9 throws on fatal errors itself). */
export function parse(xml: string): Document {
  const problems: string[] = []
  const document = new DOMParser({
    onError: (level, message) => {
      problems.push(`${level}: ${message}`)
    }
  }).parseFromString(xml, 'application/xml')
  if (problems.length > 0) throw new Error(`the document is not well-formed XML: ${problems.join('; ')}`)
  return document as unknown as Document
}

export function nodes(context: Node, expression: string): Node[] {
  const result = select(expression, context)
  if (!Array.isArray(result)) throw new TypeError(`not a node set: ${expression}`)
  return result
}
export const elements = (context: Node, expression: string): Element[] => nodes(context, expression) as Element[]
export const normalized = (value: string): string => value.replace(/[ \t\r\n]+/g, ' ').trim()
/** normalize-space() of the first node selected, '' when there is none. */
export const value = (context: Node, expression: string): string =>
  normalized(nodes(context, expression)[0]?.textContent ?? '')
export const values = (context: Node, expression: string): string[] =>
  nodes(context, expression).map(node => normalized(node.textContent ?? ''))
export const filled = (context: Node, expression: string): boolean => value(context, expression) !== ''
export const count = (context: Node, expression: string): number => nodes(context, expression).length
export const exists = (context: Node, expression: string): boolean => count(context, expression) > 0
export const need = (ok: boolean, violation: string): string[] => (ok ? [] : [violation])
export const each = (context: Node, expression: string, check: (element: Element) => string[]): string[] =>
  elements(context, expression).flatMap(check)

/** An amount as bigint öre, null when it is not a decimal with at most two decimals. */
export function ore(text: string): bigint | null {
  try {
    return toOre(normalized(text))
  } catch {
    return null
  }
}
/** The first amount selected; 0 when the optional element is absent, null when it is not an amount. */
export const amountOrZero = (context: Node, expression: string): bigint | null =>
  exists(context, expression) ? ore(value(context, expression)) : 0n
export const sum = (amounts: ReadonlyArray<bigint | null>): bigint | null =>
  amounts.some(amount => amount === null) ? null : (amounts as bigint[]).reduce((a, b) => a + b, 0n)
export const amountsOf = (context: Node, expression: string): Array<bigint | null> =>
  values(context, expression).map(text => ore(text))

/** XPath's number() is not NaN: an optional minus sign, digits with an optional fraction, white space around. */
export const numeric = (text: string): boolean => /^[ \t\r\n]*-?(\d+(\.\d*)?|\.\d+)[ \t\r\n]*$/.test(text)

/** The schematron's u:checkSEOrgnr: the tenth digit is the Luhn check digit of the first nine. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false
  let total = 0
  for (let position = 1; position <= 9; position++) {
    const digit = Number(digits[9 - position])
    total += position % 2 === 1 ? ((digit * 2) % 10) + Math.floor((digit * 2) / 10) : digit
  }
  return (10 - (total % 10)) % 10 === Number(digits[9])
}

/** ISO 4217 currencies and ISO 3166-1 alpha-2 regions as the runtime's ICU data knows them: lists we do not copy. */
export const ISO_4217 = new Set(Intl.supportedValuesOf('currency'))
export const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' })
export const isIso3166 = (code: string): boolean => /^[A-Z]{2}$/.test(code) && regionNames.of(code) !== undefined

// Code lists. Short ones as the rules give them; of the long ones (ICD, EAS, Rec 20, VATEX) an excerpt that holds
// every code a Swedish document of ours may carry: being in the excerpt implies being in the list.
/** PEPPOL-EN16931-P0100: the invoice type codes of profile 01 (a subset of BR-CL-01's UNTDID 1001 list). */
export const INVOICE_TYPE_CODES =
  '71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 780 817 870 875 876 877'
/** PEPPOL-EN16931-P0101: the credit note type codes of profile 01. */
export const CREDIT_NOTE_TYPE_CODES = '381 396 81 83 532'
/** UNCL 5305 as restricted by EN 16931 (BR-CL-17, BR-CL-18). */
export const UNCL_5305 = new Set('AE E S Z G O K L M B'.split(' '))
/** UNCL 4461 as restricted by EN 16931 (BR-CL-16): 1–70, 74–78, 91–98 and ZZZ. */
export const UNCL_4461 = new Set([
  ...[
    [1, 70],
    [74, 78],
    [91, 98]
  ].flatMap(([from, to]) => Array.from({ length: to! - from! + 1 }, (_, i) => String(from! + i))),
  'ZZZ'
])
/** An excerpt of ISO 6523 ICD (BR-CL-10, BR-CL-11). */
export const ICD_EXCERPT = new Set(['0002', '0007', '0009', '0060', '0088', '0096', '0184', '0192', '0196', '0208'])
/** An excerpt of the CEF Electronic Address Scheme list (BR-CL-25, PEPPOL-EN16931-CL008). */
export const EAS_EXCERPT = new Set(['0007', '0088', '0184', '0192', '0196', '0208', '9957', 'EM'])
/** An excerpt of UN/ECE Recommendation 20 with Rec 21 (BR-CL-23). */
export const REC_20_EXCERPT = new Set(['C62', 'EA', 'H87', 'LS', 'XPP', 'ANN', 'MON', 'HUR'])
/** The general (non-national) codes of the CEF VATEX list (BR-CL-22). */
export const VATEX_EXCERPT = new Set(
  [
    '79-C',
    '132',
    '143',
    '144',
    '146-1E',
    '148',
    '151',
    '153',
    '159',
    '309',
    'G',
    'O',
    'IC',
    'AE',
    'D',
    'F',
    'I',
    'J'
  ].map(code => `VATEX-EU-${code}`)
)

// ---------------------------------------------------------------------------------------------------------------
// Rules

export type Check = (root: Element) => string[]
export const rules = new Map<string, Check>()

/** A rule, by its id: what it states, and its check. */
export function rule(id: string, statement: string, check: Check): void {
  if (rules.has(id)) throw new Error(`rule ${id} twice`)
  rules.set(id, check)
  statements.set(id, statement)
}
/** What each rule states, in our words. */
export const statements = new Map<string, string>()
export const violationsOf = (id: string, root: Element): string[] => {
  const check = rules.get(id)
  if (check === undefined) throw new Error(`no rule ${id}`)
  return check(root)
}

export const SELLER = 'cac:AccountingSupplierParty/cac:Party'
export const BUYER = 'cac:AccountingCustomerParty/cac:Party'
export const LINES = 'cac:InvoiceLine | cac:CreditNoteLine'
export const TOTALS = 'cac:LegalMonetaryTotal'
export const SUBTOTALS = 'cac:TaxTotal/cac:TaxSubtotal'
export const IS_VAT = "normalize-space(cac:TaxScheme/cbc:ID) = 'VAT'"
export const SELLER_VAT_ID = `${SELLER}/cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`
export const BUYER_VAT_ID = `${BUYER}/cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`
export const REPRESENTATIVE_VAT_ID = `cac:TaxRepresentativeParty/cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`
export const ALLOWANCES = "cac:AllowanceCharge[normalize-space(cbc:ChargeIndicator) = 'false']"
export const CHARGES = "cac:AllowanceCharge[normalize-space(cbc:ChargeIndicator) = 'true']"
export const AMOUNTS = [
  'Amount',
  'BaseAmount',
  'PriceAmount',
  'TaxAmount',
  'TaxableAmount',
  'LineExtensionAmount',
  'TaxExclusiveAmount',
  'TaxInclusiveAmount',
  'AllowanceTotalAmount',
  'ChargeTotalAmount',
  'PrepaidAmount',
  'PayableRoundingAmount',
  'PayableAmount'
]
export const ALL_AMOUNTS = AMOUNTS.map(name => `//cbc:${name}`).join(' | ')
export const isCreditNote = (root: Element): boolean => root.namespaceURI === NS.cn && root.localName === 'CreditNote'
export const isInvoice = (root: Element): boolean => root.namespaceURI === NS.ubl && root.localName === 'Invoice'

// EN 16931: the document and its parties

rule('BR-01', 'an invoice has a specification identifier (BT-24)', d =>
  need(filled(d, 'cbc:CustomizationID'), 'no CustomizationID')
)
rule('BR-02', 'an invoice has an invoice number (BT-1)', d => need(filled(d, 'cbc:ID'), 'no ID'))
rule('BR-03', 'an invoice has an issue date (BT-2)', d => need(filled(d, 'cbc:IssueDate'), 'no IssueDate'))
rule('BR-04', 'an invoice has a type code (BT-3)', d =>
  need(filled(d, 'cbc:InvoiceTypeCode') || filled(d, 'cbc:CreditNoteTypeCode'), 'no type code')
)
rule('BR-05', 'an invoice has a currency code (BT-5)', d =>
  need(filled(d, 'cbc:DocumentCurrencyCode'), 'no DocumentCurrencyCode')
)
rule('BR-06', 'an invoice states the seller name (BT-27)', d =>
  need(filled(d, `${SELLER}/cac:PartyLegalEntity/cbc:RegistrationName`), 'no seller RegistrationName')
)
rule('BR-07', 'an invoice states the buyer name (BT-44)', d =>
  need(filled(d, `${BUYER}/cac:PartyLegalEntity/cbc:RegistrationName`), 'no buyer RegistrationName')
)
rule('BR-08', 'an invoice has the seller postal address (BG-5)', d =>
  need(exists(d, `${SELLER}/cac:PostalAddress`), 'no seller PostalAddress')
)
rule('BR-09', 'the seller postal address has a country code (BT-40)', d =>
  each(d, `${SELLER}/cac:PostalAddress`, a =>
    need(filled(a, 'cac:Country/cbc:IdentificationCode'), 'seller country missing')
  )
)
rule('BR-10', 'an invoice has the buyer postal address (BG-8)', d =>
  need(exists(d, `${BUYER}/cac:PostalAddress`), 'no buyer PostalAddress')
)
rule('BR-11', 'the buyer postal address has a country code (BT-55)', d =>
  each(d, `${BUYER}/cac:PostalAddress`, a =>
    need(filled(a, 'cac:Country/cbc:IdentificationCode'), 'buyer country missing')
  )
)
for (const [id, name, bt] of [
  ['BR-12', 'LineExtensionAmount', 'the sum of line net amounts (BT-106)'],
  ['BR-13', 'TaxExclusiveAmount', 'the total without VAT (BT-109)'],
  ['BR-14', 'TaxInclusiveAmount', 'the total with VAT (BT-112)'],
  ['BR-15', 'PayableAmount', 'the amount due for payment (BT-115)']
] as const)
  rule(id, `an invoice has ${bt}`, d =>
    need(count(d, TOTALS) === 1, 'not one LegalMonetaryTotal').concat(
      each(d, TOTALS, totals => need(exists(totals, `cbc:${name}`), `no ${name}`))
    )
  )
rule('BR-16', 'an invoice has at least one line (BG-25)', d => need(exists(d, LINES), 'no line'))

// EN 16931: lines

rule('BR-21', 'each line has a line identifier (BT-126)', d =>
  each(d, LINES, l => need(filled(l, 'cbc:ID'), 'line without ID'))
)
rule('BR-22', 'each line has an invoiced quantity (BT-129)', d =>
  each(d, LINES, l => need(exists(l, 'cbc:InvoicedQuantity | cbc:CreditedQuantity'), 'line without quantity'))
)
rule('BR-23', 'each line has a unit of measure for its quantity (BT-130)', d =>
  each(d, LINES, l =>
    need(exists(l, 'cbc:InvoicedQuantity/@unitCode | cbc:CreditedQuantity/@unitCode'), 'quantity without unitCode')
  )
)
rule('BR-24', 'each line has a line net amount (BT-131)', d =>
  each(d, LINES, l => need(exists(l, 'cbc:LineExtensionAmount'), 'line without LineExtensionAmount'))
)
rule('BR-25', 'each line has an item name (BT-153)', d =>
  each(d, LINES, l => need(filled(l, 'cac:Item/cbc:Name'), 'line without item name'))
)
rule('BR-26', 'each line has an item net price (BT-146)', d =>
  each(d, LINES, l => need(exists(l, 'cac:Price/cbc:PriceAmount'), 'line without PriceAmount'))
)
rule('BR-27', 'the item net price (BT-146) is not negative', d =>
  each(d, LINES, l => {
    const price = ore(value(l, 'cac:Price/cbc:PriceAmount'))
    return need(
      price !== null && price >= 0n,
      `price ${value(l, 'cac:Price/cbc:PriceAmount')} is negative or no amount`
    )
  })
)
rule('BR-CO-04', 'each line is categorised with an item VAT category code (BT-151)', d =>
  each(d, LINES, l =>
    need(filled(l, `cac:Item/cac:ClassifiedTaxCategory[${IS_VAT}]/cbc:ID`), 'line without VAT category')
  )
)

// EN 16931: period, references, payment

rule('BR-29', 'the invoicing period ends on or after its start (BT-73, BT-74)', d =>
  each(d, 'cac:InvoicePeriod', p => {
    const start = value(p, 'cbc:StartDate')
    const end = value(p, 'cbc:EndDate')
    return need(start === '' || end === '' || end >= start, `period ${start}..${end} ends before it starts`)
  })
)
rule('BR-CO-19', 'an invoicing period (BG-14) has a start date, an end date or both', d =>
  each(d, 'cac:InvoicePeriod', p =>
    need(exists(p, 'cbc:StartDate | cbc:EndDate | cbc:DescriptionCode'), 'an empty period')
  )
)
rule('BR-CO-03', 'the VAT point date (BT-7) and its code (BT-8) are mutually exclusive', d =>
  need(!(exists(d, 'cbc:TaxPointDate') && exists(d, 'cac:InvoicePeriod/cbc:DescriptionCode')), 'both are given')
)
rule('BR-55', 'each preceding invoice reference (BG-3) has the preceding invoice number (BT-25)', d =>
  each(d, 'cac:BillingReference', b => need(exists(b, 'cac:InvoiceDocumentReference/cbc:ID'), 'a reference without ID'))
)
rule('BR-49', 'a payment instruction (BG-16) has a payment means type code (BT-81)', d =>
  each(d, 'cac:PaymentMeans', m => need(exists(m, 'cbc:PaymentMeansCode'), 'payment means without code'))
)
rule('BR-50', 'credit transfer information (BG-17) has a payment account identifier (BT-84)', d =>
  each(
    d,
    "cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '30' or normalize-space(cbc:PaymentMeansCode) = '58']/cac:PayeeFinancialAccount",
    a => need(filled(a, 'cbc:ID'), 'account without ID')
  )
)
rule('BR-61', 'a credit transfer (code 30 or 58) gives the payment account identifier (BT-84)', d =>
  each(d, 'cac:PaymentMeans', m => {
    const code = value(m, 'cbc:PaymentMeansCode')
    return need(
      (code !== '30' && code !== '58') || exists(m, 'cac:PayeeFinancialAccount/cbc:ID'),
      `code ${code} without account`
    )
  })
)
rule('BR-CO-25', 'an invoice with a positive amount due has a due date (BT-9) or payment terms (BT-20)', d =>
  // Bound to ubl:Invoice only in 1.3.14.1 (BIS 3.0.19); CEN removed the rule in validation 1.3.16.
  isInvoice(d)
    ? each(d, `${TOTALS}/cbc:PayableAmount`, payable => {
        const amount = ore(payable.textContent ?? '')
        return need(
          amount === null || amount <= 0n || exists(d, '//cbc:DueDate | //cac:PaymentTerms/cbc:Note'),
          'positive amount due without due date or payment terms'
        )
      })
    : []
)

// EN 16931: parties' identifiers

rule('BR-62', 'the seller electronic address (BT-34) has a scheme identifier', d =>
  each(d, `${SELLER}/cbc:EndpointID`, e => need(e.hasAttribute('schemeID'), 'seller EndpointID without schemeID'))
)
rule('BR-63', 'the buyer electronic address (BT-49) has a scheme identifier', d =>
  each(d, `${BUYER}/cbc:EndpointID`, e => need(e.hasAttribute('schemeID'), 'buyer EndpointID without schemeID'))
)
rule(
  'BR-CO-26',
  'the seller is identifiable: a seller identifier (BT-29), legal registration identifier (BT-30) or VAT identifier (BT-31)',
  d =>
    each(d, 'cac:AccountingSupplierParty', s =>
      need(
        exists(s, `cac:Party/cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`) ||
          exists(s, 'cac:Party/cac:PartyIdentification/cbc:ID') ||
          exists(s, 'cac:Party/cac:PartyLegalEntity/cbc:CompanyID'),
        'seller not identifiable'
      )
    )
)
rule('BR-CO-09', 'VAT identifiers (BT-31, BT-48, BT-63) begin with an ISO 3166-1 alpha-2 country code (or EL)', d =>
  each(d, `//cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`, id => {
    const prefix = normalized(id.textContent ?? '').slice(0, 2)
    return need(prefix === 'EL' || isIso3166(prefix), `VAT identifier prefix ${prefix}`)
  })
)

// EN 16931: totals

rule('BR-CO-10', 'the sum of line net amounts (BT-106) = Σ line net amounts (BT-131)', d =>
  each(d, TOTALS, totals => {
    const stated = ore(value(totals, 'cbc:LineExtensionAmount'))
    const lines = sum(amountsOf(d, '(cac:InvoiceLine | cac:CreditNoteLine)/cbc:LineExtensionAmount'))
    return need(stated !== null && stated === lines, `LineExtensionAmount ${stated} ≠ Σ lines ${lines}`)
  })
)
rule(
  'BR-CO-13',
  'the total without VAT (BT-109) = Σ line net amounts − document allowances (BT-107) + document charges (BT-108)',
  d =>
    each(d, TOTALS, totals => {
      const parts = [
        ore(value(totals, 'cbc:TaxExclusiveAmount')),
        ore(value(totals, 'cbc:LineExtensionAmount')),
        amountOrZero(totals, 'cbc:AllowanceTotalAmount'),
        amountOrZero(totals, 'cbc:ChargeTotalAmount')
      ]
      if (parts.some(part => part === null)) return ['an amount is missing or malformed']
      const [exclusive, lines, allowances, charges] = parts as bigint[]
      return need(exclusive === lines! - allowances! + charges!, `TaxExclusiveAmount ${exclusive} is not the net sum`)
    })
)
rule('BR-CO-14', 'the total VAT amount (BT-110) = Σ VAT category tax amounts (BT-117)', d =>
  each(d, 'cac:TaxTotal[cac:TaxSubtotal]', total => {
    const stated = ore(value(total, 'cbc:TaxAmount'))
    const parts = sum(amountsOf(total, 'cac:TaxSubtotal/cbc:TaxAmount'))
    return need(stated !== null && stated === parts, `TaxAmount ${stated} ≠ Σ ${parts}`)
  })
)
rule('BR-CO-15', 'the total with VAT (BT-112) = the total without VAT (BT-109) + the total VAT amount (BT-110)', d => {
  const currency = value(d, 'cbc:DocumentCurrencyCode')
  const taxes = elements(d, 'cac:TaxTotal/cbc:TaxAmount').filter(a => a.getAttribute('currencyID') === currency)
  if (taxes.length !== 1) return [`${taxes.length} VAT totals in ${currency}`]
  const inclusive = ore(value(d, `${TOTALS}/cbc:TaxInclusiveAmount`))
  const exclusive = ore(value(d, `${TOTALS}/cbc:TaxExclusiveAmount`))
  const tax = ore(taxes[0]!.textContent ?? '')
  return need(
    inclusive !== null && exclusive !== null && tax !== null && inclusive === exclusive + tax,
    `TaxInclusiveAmount ${inclusive} ≠ ${exclusive} + ${tax}`
  )
})
rule(
  'BR-CO-16',
  'the amount due (BT-115) = the total with VAT (BT-112) − the paid amount (BT-113) + rounding (BT-114)',
  d =>
    each(d, TOTALS, totals => {
      const parts = [
        ore(value(totals, 'cbc:PayableAmount')),
        ore(value(totals, 'cbc:TaxInclusiveAmount')),
        amountOrZero(totals, 'cbc:PrepaidAmount'),
        amountOrZero(totals, 'cbc:PayableRoundingAmount')
      ]
      if (parts.some(part => part === null)) return ['an amount is missing or malformed']
      const [payable, inclusive, prepaid, rounding] = parts as bigint[]
      return need(
        payable === inclusive! - prepaid! + rounding!,
        `PayableAmount ${payable} ≠ ${inclusive} − ${prepaid} + ${rounding}`
      )
    })
)
rule(
  'BR-CO-17',
  'a VAT category tax amount (BT-117) = its taxable amount (BT-116) × rate (BT-119) / 100, rounded (1.00 slack)',
  d =>
    each(d, SUBTOTALS, subtotal => {
      const tax = ore(value(subtotal, 'cbc:TaxAmount'))
      const taxable = ore(value(subtotal, 'cbc:TaxableAmount'))
      if (tax === null || taxable === null) return ['an amount is missing or malformed']
      const percent = value(subtotal, `cac:TaxCategory[${IS_VAT}]/cbc:Percent`)
      if (percent === '') return need(-100n < tax && tax < 100n, `tax ${tax} öre without a rate`)
      let rate: bigint
      try {
        rate = scaled(percent, 4)
      } catch {
        return [`rate ${percent}`]
      }
      const magnitude = (n: bigint) => (n < 0n ? -n : n)
      const expected = divideRounded(magnitude(taxable) * rate, 100n * 10_000n, 'half_away_from_zero')
      return need(magnitude(magnitude(tax) - expected) < 100n, `tax ${tax} öre, expected ${expected}`)
    })
)
rule('BR-CO-18', 'an invoice has at least one VAT breakdown (BG-23)', d => need(exists(d, SUBTOTALS), 'no TaxSubtotal'))
for (const [id, element] of [
  ['BR-45', 'cbc:TaxableAmount'],
  ['BR-46', 'cbc:TaxAmount']
] as const)
  rule(
    id,
    `each VAT breakdown (BG-23) has ${id === 'BR-45' ? 'a taxable amount (BT-116)' : 'a tax amount (BT-117)'}`,
    d => each(d, SUBTOTALS, s => need(exists(s, element), `TaxSubtotal without ${element}`))
  )
rule('BR-47', 'each VAT breakdown (BG-23) has a VAT category code (BT-118)', d =>
  each(d, SUBTOTALS, s => need(exists(s, `cac:TaxCategory[${IS_VAT}]/cbc:ID`), 'TaxSubtotal without category'))
)
rule('BR-48', 'each VAT breakdown (BG-23) has a VAT rate (BT-119), unless not subject to VAT (O)', d =>
  each(d, SUBTOTALS, s =>
    need(
      exists(s, `cac:TaxCategory[${IS_VAT}]/cbc:Percent`) || value(s, `cac:TaxCategory[${IS_VAT}]/cbc:ID`) === 'O',
      'TaxSubtotal without Percent'
    )
  )
)

// EN 16931: decimals

for (const [id, bt, expression] of [
  ['BR-DEC-09', 'sum of line net amounts (BT-106)', `${TOTALS}/cbc:LineExtensionAmount`],
  ['BR-DEC-10', 'sum of allowances (BT-107)', `${TOTALS}/cbc:AllowanceTotalAmount`],
  ['BR-DEC-11', 'sum of charges (BT-108)', `${TOTALS}/cbc:ChargeTotalAmount`],
  ['BR-DEC-12', 'total without VAT (BT-109)', `${TOTALS}/cbc:TaxExclusiveAmount`],
  ['BR-DEC-13', 'total VAT amount (BT-110)', 'cac:TaxTotal/cbc:TaxAmount'],
  ['BR-DEC-14', 'total with VAT (BT-112)', `${TOTALS}/cbc:TaxInclusiveAmount`],
  ['BR-DEC-16', 'paid amount (BT-113)', `${TOTALS}/cbc:PrepaidAmount`],
  ['BR-DEC-17', 'rounding amount (BT-114)', `${TOTALS}/cbc:PayableRoundingAmount`],
  ['BR-DEC-18', 'amount due (BT-115)', `${TOTALS}/cbc:PayableAmount`],
  ['BR-DEC-19', 'VAT category taxable amount (BT-116)', `${SUBTOTALS}/cbc:TaxableAmount`],
  ['BR-DEC-20', 'VAT category tax amount (BT-117)', `${SUBTOTALS}/cbc:TaxAmount`],
  ['BR-DEC-23', 'line net amount (BT-131)', '(cac:InvoiceLine | cac:CreditNoteLine)/cbc:LineExtensionAmount']
] as const)
  rule(id, `the ${bt} has at most two decimals`, d =>
    values(d, expression).flatMap(amount =>
      need((amount.split('.')[1] ?? '').length <= 2, `${amount} has more than two decimals`)
    )
  )

// EN 16931: VAT category O, not subject to VAT

export const anyCategory = (d: Element, code: string): boolean =>
  exists(d, `//cac:TaxCategory[${IS_VAT}][normalize-space(cbc:ID) = '${code}']`) ||
  exists(d, `//cac:ClassifiedTaxCategory[${IS_VAT}][normalize-space(cbc:ID) = '${code}']`)
export const subtotalsOf = (d: Element, code: string): Element[] =>
  elements(d, `${SUBTOTALS}[cac:TaxCategory[${IS_VAT}][normalize-space(cbc:ID) = '${code}']]`)
export const linesOf = (code: string) =>
  `(cac:InvoiceLine | cac:CreditNoteLine)[cac:Item/cac:ClassifiedTaxCategory[${IS_VAT}][normalize-space(cbc:ID) = '${code}']]`
export const allowancesOf = (code: string) =>
  `${ALLOWANCES}[cac:TaxCategory[${IS_VAT}][normalize-space(cbc:ID) = '${code}']]`
export const chargesOf = (code: string) => `${CHARGES}[cac:TaxCategory[${IS_VAT}][normalize-space(cbc:ID) = '${code}']]`
export const noVatIdentifiers = (d: Element): boolean =>
  !exists(d, SELLER_VAT_ID) && !exists(d, REPRESENTATIVE_VAT_ID) && !exists(d, BUYER_VAT_ID)
/** BR-O-08, BR-E-08: the category's taxable amount is its lines' net amounts − its allowances + its charges. */
export const taxableMatches = (d: Element, code: string): string[] =>
  subtotalsOf(d, code).flatMap(subtotal => {
    const taxable = ore(value(subtotal, 'cbc:TaxableAmount'))
    const lines = sum(amountsOf(d, `${linesOf(code)}/cbc:LineExtensionAmount`))
    const charges = sum(amountsOf(d, `${chargesOf(code)}/cbc:Amount`))
    const allowances = sum(amountsOf(d, `${allowancesOf(code)}/cbc:Amount`))
    if (taxable === null || lines === null || charges === null || allowances === null) return ['malformed amount']
    return need(taxable === lines + charges - allowances, `taxable ${taxable} ≠ ${lines} + ${charges} − ${allowances}`)
  })

rule('BR-O-01', 'a document using category O has exactly one VAT breakdown with category O', d =>
  need(!anyCategory(d, 'O') || subtotalsOf(d, 'O').length === 1, `${subtotalsOf(d, 'O').length} O breakdowns`)
)
rule(
  'BR-O-02',
  'a line of category O excludes the seller (BT-31), representative (BT-63) and buyer (BT-48) VAT ids',
  d => need(!exists(d, linesOf('O')) || noVatIdentifiers(d), 'a VAT identifier with category O')
)
rule('BR-O-03', 'a document allowance of category O excludes the seller, representative and buyer VAT identifiers', d =>
  need(!exists(d, allowancesOf('O')) || noVatIdentifiers(d), 'a VAT identifier with an O allowance')
)
rule('BR-O-04', 'a document charge of category O excludes the seller, representative and buyer VAT identifiers', d =>
  need(!exists(d, chargesOf('O')) || noVatIdentifiers(d), 'a VAT identifier with an O charge')
)
rule('BR-O-05', 'a line of category O has no item VAT rate (BT-152)', d =>
  each(d, `(${LINES})/cac:Item/cac:ClassifiedTaxCategory[${IS_VAT}][normalize-space(cbc:ID) = 'O']`, c =>
    need(!exists(c, 'cbc:Percent'), 'O line with Percent')
  )
)
rule('BR-O-06', 'a document allowance of category O has no VAT rate (BT-96)', d =>
  each(d, `${allowancesOf('O')}/cac:TaxCategory`, c => need(!exists(c, 'cbc:Percent'), 'O allowance with Percent'))
)
rule('BR-O-07', 'a document charge of category O has no VAT rate (BT-103)', d =>
  each(d, `${chargesOf('O')}/cac:TaxCategory`, c => need(!exists(c, 'cbc:Percent'), 'O charge with Percent'))
)
rule('BR-O-08', 'the O taxable amount (BT-116) = Σ O line net amounts − O allowances + O charges', d =>
  taxableMatches(d, 'O')
)
rule('BR-O-09', 'the O VAT category tax amount (BT-117) is 0', d =>
  subtotalsOf(d, 'O').flatMap(s => need(ore(value(s, 'cbc:TaxAmount')) === 0n, 'O tax amount not 0'))
)
rule('BR-O-10', 'an O VAT breakdown has an exemption reason code (BT-121) or text (BT-120)', d =>
  subtotalsOf(d, 'O').flatMap(s =>
    need(exists(s, 'cac:TaxCategory/cbc:TaxExemptionReason | cac:TaxCategory/cbc:TaxExemptionReasonCode'), 'no reason')
  )
)
rule('BR-O-11', 'a document with an O VAT breakdown has no other VAT breakdown', d =>
  need(
    subtotalsOf(d, 'O').length === 0 ||
      count(d, `${SUBTOTALS}/cac:TaxCategory[${IS_VAT}][normalize-space(cbc:ID) != 'O']`) === 0,
    'O with other breakdowns'
  )
)
rule('BR-O-12', 'a document with an O VAT breakdown has no line of another category', d =>
  need(
    subtotalsOf(d, 'O').length === 0 ||
      count(d, `//cac:ClassifiedTaxCategory[${IS_VAT}][normalize-space(cbc:ID) != 'O']`) === 0,
    'O with lines of another category'
  )
)
rule('BR-O-13', 'a document with an O VAT breakdown has no document allowance of another category', d =>
  need(
    subtotalsOf(d, 'O').length === 0 ||
      count(d, `//${ALLOWANCES}/cac:TaxCategory[${IS_VAT}][normalize-space(cbc:ID) != 'O']`) === 0,
    'O with an allowance of another category'
  )
)
rule('BR-O-14', 'a document with an O VAT breakdown has no document charge of another category', d =>
  need(
    subtotalsOf(d, 'O').length === 0 ||
      count(d, `//${CHARGES}/cac:TaxCategory[${IS_VAT}][normalize-space(cbc:ID) != 'O']`) === 0,
    'O with a charge of another category'
  )
)

// EN 16931: VAT category E, exempt from VAT

export const sellerTaxIdentified = (d: Element): boolean =>
  exists(d, `${SELLER}/cac:PartyTaxScheme/cbc:CompanyID`) || exists(d, REPRESENTATIVE_VAT_ID)
rule('BR-E-01', 'a document using category E has exactly one VAT breakdown with category E', d =>
  need(!anyCategory(d, 'E') || subtotalsOf(d, 'E').length === 1, `${subtotalsOf(d, 'E').length} E breakdowns`)
)
rule(
  'BR-E-02',
  'a line of category E needs the seller VAT id (BT-31), tax registration (BT-32) or representative (BT-63)',
  d => need(!exists(d, linesOf('E')) || sellerTaxIdentified(d), 'E without a seller tax identifier')
)
rule('BR-E-03', 'a document allowance of category E needs a seller VAT or tax registration identifier', d =>
  need(!exists(d, allowancesOf('E')) || sellerTaxIdentified(d), 'E allowance without a seller tax identifier')
)
rule('BR-E-04', 'a document charge of category E needs a seller VAT or tax registration identifier', d =>
  need(!exists(d, chargesOf('E')) || sellerTaxIdentified(d), 'E charge without a seller tax identifier')
)
rule('BR-E-05', 'a line of category E has the item VAT rate (BT-152) 0', d =>
  each(d, `(${LINES})/cac:Item/cac:ClassifiedTaxCategory[${IS_VAT}][normalize-space(cbc:ID) = 'E']`, c =>
    need(exists(c, 'cbc:Percent') && Number(value(c, 'cbc:Percent')) === 0, 'E line rate not 0')
  )
)
rule('BR-E-06', 'a document allowance of category E has the VAT rate (BT-96) 0', d =>
  each(d, `${allowancesOf('E')}/cac:TaxCategory`, c =>
    need(exists(c, 'cbc:Percent') && Number(value(c, 'cbc:Percent')) === 0, 'E allowance rate not 0')
  )
)
rule('BR-E-07', 'a document charge of category E has the VAT rate (BT-103) 0', d =>
  each(d, `${chargesOf('E')}/cac:TaxCategory`, c =>
    need(exists(c, 'cbc:Percent') && Number(value(c, 'cbc:Percent')) === 0, 'E charge rate not 0')
  )
)
rule('BR-E-08', 'the E taxable amount (BT-116) = Σ E line net amounts − E allowances + E charges', d =>
  taxableMatches(d, 'E')
)
rule('BR-E-09', 'the E VAT category tax amount (BT-117) is 0', d =>
  subtotalsOf(d, 'E').flatMap(s => need(ore(value(s, 'cbc:TaxAmount')) === 0n, 'E tax amount not 0'))
)
rule('BR-E-10', 'an E VAT breakdown has an exemption reason code (BT-121) or text (BT-120)', d =>
  subtotalsOf(d, 'E').flatMap(s =>
    need(exists(s, 'cac:TaxCategory/cbc:TaxExemptionReason | cac:TaxCategory/cbc:TaxExemptionReasonCode'), 'no reason')
  )
)

// EN 16931: code lists

rule('BR-CL-01', 'the type code is from UNTDID 1001 (checked against the Peppol profile 01 subsets)', d =>
  values(d, 'cbc:InvoiceTypeCode')
    .flatMap(code => need(INVOICE_TYPE_CODES.split(' ').includes(code), `invoice type ${code}`))
    .concat(
      values(d, 'cbc:CreditNoteTypeCode').flatMap(code =>
        need(CREDIT_NOTE_TYPE_CODES.split(' ').includes(code), `credit note type ${code}`)
      )
    )
)
rule('BR-CL-03', 'every currencyID is an ISO 4217 alpha-3 code', d =>
  elements(d, ALL_AMOUNTS).flatMap(a =>
    need(ISO_4217.has(a.getAttribute('currencyID') ?? ''), `${a.localName} currencyID ${a.getAttribute('currencyID')}`)
  )
)
rule('BR-CL-04', 'the invoice currency code (BT-5) is an ISO 4217 alpha-3 code', d =>
  values(d, 'cbc:DocumentCurrencyCode').flatMap(code => need(ISO_4217.has(code), `currency ${code}`))
)
rule('BR-CL-10', 'a party identifier scheme is from ISO 6523 ICD', d =>
  elements(d, '//cac:PartyIdentification/cbc:ID[@schemeID]').flatMap(id =>
    need(ICD_EXCERPT.has(id.getAttribute('schemeID') ?? ''), `ICD ${id.getAttribute('schemeID')}`)
  )
)
rule('BR-CL-11', 'a registration identifier scheme is from ISO 6523 ICD', d =>
  elements(d, '//cac:PartyLegalEntity/cbc:CompanyID[@schemeID]').flatMap(id =>
    need(ICD_EXCERPT.has(id.getAttribute('schemeID') ?? ''), `ICD ${id.getAttribute('schemeID')}`)
  )
)
rule('BR-CL-14', 'country codes are ISO 3166-1 alpha-2', d =>
  values(d, '//cac:Country/cbc:IdentificationCode').flatMap(code => need(isIso3166(code), `country ${code}`))
)
rule('BR-CL-16', 'the payment means code is from UNCL 4461', d =>
  values(d, 'cac:PaymentMeans/cbc:PaymentMeansCode').flatMap(code => need(UNCL_4461.has(code), `payment means ${code}`))
)
rule('BR-CL-17', 'VAT breakdown categories are from UNCL 5305', d =>
  values(d, '//cac:TaxCategory/cbc:ID').flatMap(code => need(UNCL_5305.has(code), `category ${code}`))
)
rule('BR-CL-18', 'line VAT categories are from UNCL 5305', d =>
  values(d, '//cac:ClassifiedTaxCategory/cbc:ID').flatMap(code => need(UNCL_5305.has(code), `category ${code}`))
)
rule('BR-CL-22', 'an exemption reason code is from the CEF VATEX list', d =>
  values(d, '//cbc:TaxExemptionReasonCode').flatMap(code => need(VATEX_EXCERPT.has(code), `VATEX ${code}`))
)
rule('BR-CL-23', 'unit codes are from UN/ECE Recommendation 20 (with Rec 21)', d =>
  elements(
    d,
    '//cbc:InvoicedQuantity[@unitCode] | //cbc:CreditedQuantity[@unitCode] | //cbc:BaseQuantity[@unitCode]'
  ).flatMap(q => need(REC_20_EXCERPT.has(q.getAttribute('unitCode') ?? ''), `unit ${q.getAttribute('unitCode')}`))
)
rule('BR-CL-25', 'electronic address schemes are from the CEF EAS list', d =>
  elements(d, '//cbc:EndpointID[@schemeID]').flatMap(e =>
    need(EAS_EXCERPT.has(e.getAttribute('schemeID') ?? ''), `EAS ${e.getAttribute('schemeID')}`)
  )
)

// EN 16931 UBL syntax: cardinalities and restrictions that bear on what we emit

for (const [id, statement, expression, most] of [
  ['UBL-SR-05', 'payment terms occur at most once', 'cac:PaymentTerms/cbc:Note', 1],
  ['UBL-SR-08', 'the invoice period occurs at most once', 'cac:InvoicePeriod', 1],
  ['UBL-SR-09', 'the seller name occurs at most once', `${SELLER}/cac:PartyLegalEntity/cbc:RegistrationName`, 1],
  [
    'UBL-SR-11',
    'the seller legal registration identifier occurs at most once',
    `${SELLER}/cac:PartyLegalEntity/cbc:CompanyID`,
    1
  ],
  ['UBL-SR-12', 'the seller VAT identifier occurs at most once', SELLER_VAT_ID, 1],
  ['UBL-SR-15', 'the buyer name occurs at most once', `${BUYER}/cac:PartyLegalEntity/cbc:RegistrationName`, 1],
  [
    'UBL-SR-17',
    'the buyer legal registration identifier occurs at most once',
    `${BUYER}/cac:PartyLegalEntity/cbc:CompanyID`,
    1
  ],
  ['UBL-SR-42', 'the seller has at most two party tax schemes', `${SELLER}/cac:PartyTaxScheme`, 2],
  ['UBL-SR-45', 'the payment due date in payment means occurs at most once', 'cac:PaymentMeans/cbc:PaymentDueDate', 1]
] as const)
  rule(id, statement, d => need(count(d, expression) <= most, `${count(d, expression)} × ${expression}`))
rule('UBL-SR-26', 'each payment means has at most one payment reference', d =>
  each(d, 'cac:PaymentMeans', m => need(count(m, 'cbc:PaymentID') <= 1, 'more than one PaymentID'))
)
rule('UBL-SR-48', 'each line has exactly one classified tax category', d =>
  each(d, LINES, l => need(count(l, 'cac:Item/cac:ClassifiedTaxCategory') === 1, 'not one ClassifiedTaxCategory'))
)
rule('UBL-SR-50', 'each line has at most one item description', d =>
  each(d, LINES, l => need(count(l, 'cac:Item/cbc:Description') <= 1, 'more than one Description'))
)
rule('UBL-SR-53', 'a party tax scheme with a tax scheme id has the company id', d =>
  each(d, '//cac:PartyTaxScheme', s =>
    need(!exists(s, 'cac:TaxScheme/cbc:ID') || exists(s, 'cbc:CompanyID'), 'tax scheme without CompanyID')
  )
)
rule('UBL-CR-412', 'payment means carry a payment due date only in a credit note (where BIS 3 puts BT-9)', d =>
  need(!exists(d, 'cac:PaymentMeans/cbc:PaymentDueDate') || isCreditNote(d), 'PaymentDueDate in an Invoice')
)
rule('UBL-CR-463', 'payment terms carry no payment due date', d =>
  need(!exists(d, 'cac:PaymentTerms/cbc:PaymentDueDate'), 'PaymentTerms/PaymentDueDate')
)

// Peppol BIS Billing 3.0

export const profileOf = (d: Element): string => {
  const match = /^urn:fdc:peppol\.eu:2017:poacc:billing:([0-9]{2}):1\.0$/.exec(value(d, 'cbc:ProfileID'))
  return match === null ? 'Unknown' : match[1]!
}
rule('PEPPOL-EN16931-R001', 'the business process (ProfileID) is given', d =>
  need(exists(d, 'cbc:ProfileID'), 'no ProfileID')
)
rule('PEPPOL-EN16931-R002', 'at most one note on document level (unless buyer and seller are German)', d =>
  need(count(d, 'cbc:Note') <= 1, `${count(d, 'cbc:Note')} notes`)
)
rule('PEPPOL-EN16931-R003', 'a buyer reference or a purchase order reference is given', d =>
  need(exists(d, 'cbc:BuyerReference') || exists(d, 'cac:OrderReference/cbc:ID'), 'no BuyerReference')
)
rule('PEPPOL-EN16931-R004', `the specification identifier begins with ${CUSTOMIZATION_ID}`, d =>
  need(value(d, 'cbc:CustomizationID').startsWith(CUSTOMIZATION_ID), 'wrong CustomizationID')
)
rule('PEPPOL-EN16931-R005', 'a VAT accounting currency differs from the invoice currency', d =>
  each(d, 'cbc:TaxCurrencyCode', c =>
    need(normalized(c.textContent ?? '') !== value(d, 'cbc:DocumentCurrencyCode'), 'same currency')
  )
)
rule('PEPPOL-EN16931-R007', "the business process has the form 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0'", d =>
  need(profileOf(d) !== 'Unknown', `ProfileID ${value(d, 'cbc:ProfileID')}`)
)
rule('PEPPOL-EN16931-R008', 'the document contains no empty elements', d =>
  elements(d, '//*[not(*) and not(normalize-space())]').map(e => `empty ${e.nodeName}`)
)
rule('PEPPOL-EN16931-R010', 'the buyer electronic address is given', d =>
  need(exists(d, `${BUYER}/cbc:EndpointID`), 'no buyer EndpointID')
)
rule('PEPPOL-EN16931-R020', 'the seller electronic address is given', d =>
  need(exists(d, `${SELLER}/cbc:EndpointID`), 'no seller EndpointID')
)
rule('PEPPOL-EN16931-R051', 'every currencyID (but BT-111) equals the invoice currency code (BT-5)', d => {
  const currency = value(d, 'cbc:DocumentCurrencyCode')
  const bound = AMOUNTS.filter(name => name !== 'TaxAmount').map(name => `//cbc:${name}`)
  const taxes = ['//cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount', '//cac:TaxSubtotal/cbc:TaxAmount']
  return elements(d, [...bound, ...taxes].join(' | '))
    .filter(a => a.getAttribute('currencyID') !== currency)
    .map(a => `${a.localName} in ${a.getAttribute('currencyID')}`)
})
rule('PEPPOL-EN16931-R053', 'exactly one tax total with tax subtotals', d =>
  need(count(d, 'cac:TaxTotal[cac:TaxSubtotal]') === 1, `${count(d, 'cac:TaxTotal[cac:TaxSubtotal]')} tax totals`)
)
rule('PEPPOL-EN16931-R054', 'a tax total without subtotals only, and exactly, when a tax currency is given', d =>
  need(
    count(d, 'cac:TaxTotal[not(cac:TaxSubtotal)]') === (exists(d, 'cbc:TaxCurrencyCode') ? 1 : 0),
    'tax totals without subtotals'
  )
)
rule('PEPPOL-EN16931-R061', 'a direct debit (49, 59) gives the mandate reference', d =>
  each(
    d,
    "cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '49' or normalize-space(cbc:PaymentMeansCode) = '59']",
    m => need(exists(m, 'cac:PaymentMandate/cbc:ID'), 'direct debit without mandate')
  )
)
rule(
  'PEPPOL-EN16931-R120',
  'line net amount = quantity × (price / base quantity) + line charges − line allowances (0.02 slack)',
  d =>
    each(d, LINES, l => {
      const quantityText = value(l, 'cbc:InvoicedQuantity | cbc:CreditedQuantity') || '1'
      const baseText = value(l, 'cac:Price/cbc:BaseQuantity')
      const price = amountOrZero(l, 'cac:Price/cbc:PriceAmount')
      const net = amountOrZero(l, 'cbc:LineExtensionAmount')
      const charges = sum(amountsOf(l, `${CHARGES}/cbc:Amount`))
      const allowances = sum(amountsOf(l, `${ALLOWANCES}/cbc:Amount`))
      if (price === null || net === null || charges === null || allowances === null) return ['malformed amount']
      let quantity: bigint
      let base: bigint
      try {
        quantity = scaled(quantityText, 6)
        base = baseText === '' || scaled(baseText, 6) === 0n ? 1_000_000n : scaled(baseText, 6)
      } catch {
        return ['malformed quantity']
      }
      const expected = divideRounded(quantity * price, base, 'half_away_from_zero') + charges - allowances
      const difference = net - expected
      return need(difference >= -2n && difference <= 2n, `net ${net} öre, expected ${expected}`)
    })
)
rule('PEPPOL-EN16931-R121', 'a price base quantity is above zero', d =>
  each(d, `(${LINES})/cac:Price/cbc:BaseQuantity`, b => {
    const text = normalized(b.textContent ?? '')
    return need(numeric(text) && Number(text) > 0, `base quantity ${text}`)
  })
)
rule('PEPPOL-EN16931-R130', 'the price base quantity has the unit of the invoiced quantity', d =>
  each(d, `(${LINES})/cac:Price/cbc:BaseQuantity[@unitCode]`, b => {
    const quantity = elements(b, '../../cbc:InvoicedQuantity | ../../cbc:CreditedQuantity')[0]
    return need(
      quantity === undefined || quantity.getAttribute('unitCode') === b.getAttribute('unitCode'),
      'unit codes differ'
    )
  })
)
rule('PEPPOL-EN16931-P0100', 'the invoice type code is one of profile 01', d =>
  profileOf(d) !== '01'
    ? []
    : values(d, 'cbc:InvoiceTypeCode').flatMap(code => need(INVOICE_TYPE_CODES.split(' ').includes(code), code))
)
rule('PEPPOL-EN16931-P0101', 'the credit note type code is one of profile 01', d =>
  profileOf(d) !== '01'
    ? []
    : values(d, 'cbc:CreditNoteTypeCode').flatMap(code => need(CREDIT_NOTE_TYPE_CODES.split(' ').includes(code), code))
)
rule('PEPPOL-EN16931-P0112', 'invoice type codes 326 and 384 only between German parties', d =>
  values(d, 'cbc:InvoiceTypeCode').flatMap(code => need(code !== '326' && code !== '384', `type ${code}`))
)
for (const [id, code, category] of [
  ['PEPPOL-EN16931-P0104', 'VATEX-EU-G', 'G'],
  ['PEPPOL-EN16931-P0105', 'VATEX-EU-O', 'O'],
  ['PEPPOL-EN16931-P0106', 'VATEX-EU-IC', 'K'],
  ['PEPPOL-EN16931-P0107', 'VATEX-EU-AE', 'AE'],
  ['PEPPOL-EN16931-P0108', 'VATEX-EU-D', 'E'],
  ['PEPPOL-EN16931-P0109', 'VATEX-EU-F', 'E'],
  ['PEPPOL-EN16931-P0110', 'VATEX-EU-I', 'E'],
  ['PEPPOL-EN16931-P0111', 'VATEX-EU-J', 'E']
] as const)
  rule(id, `exemption reason code ${code} goes with category ${category}`, d =>
    elements(d, '//cac:TaxCategory')
      .filter(c => value(c, 'cbc:TaxExemptionReasonCode').toUpperCase() === code)
      .flatMap(c => need(value(c, 'cbc:ID') === category, `${code} with category ${value(c, 'cbc:ID')}`))
  )
rule('PEPPOL-EN16931-F001', 'dates are YYYY-MM-DD', d =>
  values(
    d,
    '//cbc:IssueDate | //cbc:DueDate | //cbc:TaxPointDate | //cbc:StartDate | //cbc:EndDate | //cbc:ActualDeliveryDate | //cbc:PaymentDueDate'
  ).flatMap(date => {
    const valid = /^\d{4}-\d{2}-\d{2}$/.test(date) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date)
    return need(valid, `date ${date}`)
  })
)
rule('PEPPOL-EN16931-CL007', 'currency codes of amounts are ISO 4217', d =>
  elements(d, ALL_AMOUNTS).flatMap(a => need(ISO_4217.has(a.getAttribute('currencyID') ?? ''), `${a.localName}`))
)
rule('PEPPOL-EN16931-CL008', 'electronic address schemes are from the EAS code list', d =>
  elements(d, '//cbc:EndpointID[@schemeID]').flatMap(e =>
    need(EAS_EXCERPT.has(e.getAttribute('schemeID') ?? ''), 'EAS')
  )
)
rule(
  'PEPPOL-COMMON-R049',
  'a Swedish organisation number (scheme 0007) is ten digits with a valid Luhn check digit',
  d =>
    values(
      d,
      "//cbc:EndpointID[@schemeID = '0007'] | //cac:PartyIdentification/cbc:ID[@schemeID = '0007'] | //cbc:CompanyID[@schemeID = '0007']"
    ).flatMap(id => need(id.length === 10 && numeric(id) && luhnValid(id), `organisation number ${id}`))
)

// Peppol BIS 3.0: the Swedish national rules

export const SWEDISH_SELLER = `${SELLER}[cac:PostalAddress/cac:Country/cbc:IdentificationCode = 'SE']`
export const swedishVatSellers = (d: Element): Element[] =>
  elements(d, SWEDISH_SELLER).filter(p => value(p, `cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`).startsWith('SE'))
export const swedishPaymentMeans = (d: Element, code: string, branch?: string): Element[] =>
  exists(d, SWEDISH_SELLER)
    ? elements(d, 'cac:PaymentMeans').filter(
        m =>
          value(m, 'cbc:PaymentMeansCode') === code &&
          (branch === undefined ||
            value(m, 'cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID') === branch)
      )
    : []
export const swedishLegalEntities = (d: Element): Element[] =>
  elements(d, `${SWEDISH_SELLER}/cac:PartyLegalEntity[cbc:CompanyID]`)

rule('SE-R-001', 'a Swedish seller’s Swedish VAT number has 14 characters', d =>
  swedishVatSellers(d).flatMap(p =>
    need(value(p, `cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`).length === 14, 'VAT number not 14 characters')
  )
)
rule('SE-R-002', 'a Swedish seller’s Swedish VAT number ends in 12 digits', d =>
  swedishVatSellers(d).flatMap(p =>
    need(numeric(value(p, `cac:PartyTaxScheme[${IS_VAT}]/cbc:CompanyID`).slice(2, 14)), 'VAT number digits')
  )
)
rule('SE-R-003', 'a Swedish seller’s organisation number (legal registration, BT-30) is numeric', d =>
  swedishLegalEntities(d).flatMap(e => need(numeric(value(e, 'cbc:CompanyID')), 'organisation number not numeric'))
)
rule('SE-R-004', 'a Swedish seller’s organisation number has 10 characters', d =>
  swedishLegalEntities(d).flatMap(e => need(value(e, 'cbc:CompanyID').length === 10, 'organisation number length'))
)
rule('SE-R-013', 'the last digit of a Swedish seller’s organisation number is its Luhn check digit', d =>
  swedishLegalEntities(d).flatMap(e => need(luhnValid(value(e, 'cbc:CompanyID')), 'organisation number check digit'))
)
rule('SE-R-005', 'a Swedish seller’s non-VAT tax registration (BT-32) states “Godkänd för F-skatt”', d =>
  exists(d, `${SWEDISH_SELLER}/cac:PartyLegalEntity/cbc:CompanyID`)
    ? values(
        d,
        `${SWEDISH_SELLER}/cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) != 'VAT']/cbc:CompanyID`
      ).flatMap(text => need(text.toUpperCase() === 'GODKÄND FÖR F-SKATT', `tax registration ${text}`))
    : []
)
rule('SE-R-006', 'a Swedish VAT-registered seller uses only the standard rates 25, 12 or 6 for category S', d =>
  swedishVatSellers(d).length === 0
    ? []
    : elements(d, "//cac:TaxCategory[cbc:ID = 'S'] | //cac:ClassifiedTaxCategory[cbc:ID = 'S']").flatMap(c =>
        need(['25', '12', '6'].includes(String(Number(value(c, 'cbc:Percent')))), `rate ${value(c, 'cbc:Percent')}`)
      )
)
rule('SE-R-007', 'a Swedish seller’s Plusgiro account (code 30, SE:PLUSGIRO) is numeric', d =>
  swedishPaymentMeans(d, '30', 'SE:PLUSGIRO').flatMap(m =>
    need(numeric(value(m, 'cac:PayeeFinancialAccount/cbc:ID')), 'Plusgiro not numeric')
  )
)
rule('SE-R-010', 'a Swedish seller’s Plusgiro account has 2–8 characters', d =>
  swedishPaymentMeans(d, '30', 'SE:PLUSGIRO').flatMap(m => {
    const length = value(m, 'cac:PayeeFinancialAccount/cbc:ID').length
    return need(length >= 2 && length <= 8, `Plusgiro of ${length} characters`)
  })
)
rule('SE-R-008', 'a Swedish seller’s Bankgiro account (code 30, SE:BANKGIRO) is numeric', d =>
  swedishPaymentMeans(d, '30', 'SE:BANKGIRO').flatMap(m =>
    need(
      numeric(value(m, 'cac:PayeeFinancialAccount/cbc:ID')),
      `Bankgiro ${value(m, 'cac:PayeeFinancialAccount/cbc:ID')}`
    )
  )
)
rule('SE-R-009', 'a Swedish seller’s Bankgiro account has 7–8 characters', d =>
  swedishPaymentMeans(d, '30', 'SE:BANKGIRO').flatMap(m => {
    const length = value(m, 'cac:PayeeFinancialAccount/cbc:ID').length
    return need(length === 7 || length === 8, `Bankgiro of ${length} characters`)
  })
)
rule(
  'SE-R-011',
  'a Swedish seller states Bankgiro or Plusgiro as code 30 with SE:BANKGIRO/SE:PLUSGIRO, not 50 or 56',
  d =>
    [...swedishPaymentMeans(d, '50'), ...swedishPaymentMeans(d, '56')].map(
      m => `payment means code ${value(m, 'cbc:PaymentMeansCode')}`
    )
)
rule('SE-R-012', 'between Swedish parties a credit transfer is code 30, not 31', d =>
  exists(d, `${BUYER}[cac:PostalAddress/cac:Country/cbc:IdentificationCode = 'SE']`)
    ? swedishPaymentMeans(d, '31').map(() => 'payment means code 31')
    : []
)
rule('SE (convention)', 'a Swedish seller’s legal registration identifier uses scheme 0007, organisation number', d =>
  // Not an SE-R rule of BIS 3.0.19 (SE-R-003/004/013 test the value whatever its scheme), but what the Swedish
  // rules presuppose and receivers expect.
  swedishLegalEntities(d).flatMap(e =>
    need(elements(e, 'cbc:CompanyID')[0]?.getAttribute('schemeID') === '0007', 'legal registration scheme not 0007')
  )
)

// ---------------------------------------------------------------------------------------------------------------
// The UBL 2.1 XSD sequences of every parent we emit ("?" optional, "*" repeatable; from OASIS UBL 2.1 OS,
// maindoc/UBL-Invoice-2.1.xsd, maindoc/UBL-CreditNote-2.1.xsd, common/UBL-CommonAggregateComponents-2.1.xsd).

export const SEQUENCES: Record<string, readonly string[]> = {
  Invoice: (
    'ext:UBLExtensions? cbc:UBLVersionID? cbc:CustomizationID? cbc:ProfileID? cbc:ProfileExecutionID? cbc:ID ' +
    'cbc:CopyIndicator? cbc:UUID? cbc:IssueDate cbc:IssueTime? cbc:DueDate? cbc:InvoiceTypeCode? cbc:Note?* ' +
    'cbc:TaxPointDate? cbc:DocumentCurrencyCode? cbc:TaxCurrencyCode? cbc:PricingCurrencyCode? ' +
    'cbc:PaymentCurrencyCode? cbc:PaymentAlternativeCurrencyCode? cbc:AccountingCostCode? cbc:AccountingCost? ' +
    'cbc:LineCountNumeric? cbc:BuyerReference? cac:InvoicePeriod?* cac:OrderReference? cac:BillingReference?* ' +
    'cac:DespatchDocumentReference?* cac:ReceiptDocumentReference?* cac:StatementDocumentReference?* ' +
    'cac:OriginatorDocumentReference?* cac:ContractDocumentReference?* cac:AdditionalDocumentReference?* ' +
    'cac:ProjectReference?* cac:Signature?* cac:AccountingSupplierParty cac:AccountingCustomerParty ' +
    'cac:PayeeParty? cac:BuyerCustomerParty? cac:SellerSupplierParty? cac:TaxRepresentativeParty? cac:Delivery?* ' +
    'cac:DeliveryTerms? cac:PaymentMeans?* cac:PaymentTerms?* cac:PrepaidPayment?* cac:AllowanceCharge?* ' +
    'cac:TaxExchangeRate? cac:PricingExchangeRate? cac:PaymentExchangeRate? cac:PaymentAlternativeExchangeRate? ' +
    'cac:TaxTotal?* cac:WithholdingTaxTotal?* cac:LegalMonetaryTotal cac:InvoiceLine*'
  ).split(' '),
  CreditNote: (
    'ext:UBLExtensions? cbc:UBLVersionID? cbc:CustomizationID? cbc:ProfileID? cbc:ProfileExecutionID? cbc:ID ' +
    'cbc:CopyIndicator? cbc:UUID? cbc:IssueDate cbc:IssueTime? cbc:TaxPointDate? cbc:CreditNoteTypeCode? ' +
    'cbc:Note?* cbc:DocumentCurrencyCode? cbc:TaxCurrencyCode? cbc:PricingCurrencyCode? cbc:PaymentCurrencyCode? ' +
    'cbc:PaymentAlternativeCurrencyCode? cbc:AccountingCostCode? cbc:AccountingCost? cbc:LineCountNumeric? ' +
    'cbc:BuyerReference? cac:InvoicePeriod?* cac:DiscrepancyResponse?* cac:OrderReference? cac:BillingReference?* ' +
    'cac:DespatchDocumentReference?* cac:ReceiptDocumentReference?* cac:ContractDocumentReference?* ' +
    'cac:AdditionalDocumentReference?* cac:StatementDocumentReference?* cac:OriginatorDocumentReference?* ' +
    'cac:Signature?* cac:AccountingSupplierParty cac:AccountingCustomerParty cac:PayeeParty? ' +
    'cac:BuyerCustomerParty? cac:SellerSupplierParty? cac:TaxRepresentativeParty? cac:Delivery?* ' +
    'cac:DeliveryTerms?* cac:PaymentMeans?* cac:PaymentTerms?* cac:TaxExchangeRate? cac:PricingExchangeRate? ' +
    'cac:PaymentExchangeRate? cac:PaymentAlternativeExchangeRate? cac:AllowanceCharge?* cac:TaxTotal?* ' +
    'cac:LegalMonetaryTotal cac:CreditNoteLine*'
  ).split(' '),
  SupplierParty: (
    'cbc:CustomerAssignedAccountID? cbc:AdditionalAccountID?* cbc:DataSendingCapability? cac:Party? ' +
    'cac:DespatchContact? cac:AccountingContact? cac:SellerContact?'
  ).split(' '),
  CustomerParty: (
    'cbc:CustomerAssignedAccountID? cbc:SupplierAssignedAccountID? cbc:AdditionalAccountID?* cac:Party? ' +
    'cac:DeliveryContact? cac:AccountingContact? cac:BuyerContact?'
  ).split(' '),
  Party: (
    'cbc:MarkCareIndicator? cbc:MarkAttentionIndicator? cbc:WebsiteURI? cbc:LogoReferenceID? cbc:EndpointID? ' +
    'cbc:IndustryClassificationCode? cac:PartyIdentification?* cac:PartyName?* cac:Language? cac:PostalAddress? ' +
    'cac:PhysicalLocation? cac:PartyTaxScheme?* cac:PartyLegalEntity?* cac:Contact? cac:Person?* cac:AgentParty? ' +
    'cac:ServiceProviderParty?* cac:PowerOfAttorney?* cac:FinancialAccount?'
  ).split(' '),
  Address: (
    'cbc:ID? cbc:AddressTypeCode? cbc:AddressFormatCode? cbc:Postbox? cbc:Floor? cbc:Room? cbc:StreetName? ' +
    'cbc:AdditionalStreetName? cbc:BlockName? cbc:BuildingName? cbc:BuildingNumber? cbc:InhouseMail? ' +
    'cbc:Department? cbc:MarkAttention? cbc:MarkCare? cbc:PlotIdentification? cbc:CitySubdivisionName? ' +
    'cbc:CityName? cbc:PostalZone? cbc:CountrySubentity? cbc:CountrySubentityCode? cbc:Region? cbc:District? ' +
    'cbc:TimezoneOffset? cac:AddressLine?* cac:Country? cac:LocationCoordinate?*'
  ).split(' '),
  Country: 'cbc:IdentificationCode? cbc:Name?'.split(' '),
  PartyTaxScheme: (
    'cbc:RegistrationName? cbc:CompanyID? cbc:TaxLevelCode? cbc:ExemptionReasonCode? cbc:ExemptionReason?* ' +
    'cac:RegistrationAddress? cac:TaxScheme'
  ).split(' '),
  PartyLegalEntity: (
    'cbc:RegistrationName? cbc:CompanyID? cbc:RegistrationDate? cbc:RegistrationExpirationDate? ' +
    'cbc:CompanyLegalFormCode? cbc:CompanyLegalForm? cbc:SoleProprietorshipIndicator? ' +
    'cbc:CompanyLiquidationStatusCode? cbc:CorporateStockAmount? cbc:FullyPaidSharesIndicator? ' +
    'cac:RegistrationAddress? cac:CorporateRegistrationScheme? cac:HeadOfficeParty? cac:ShareholderParty?*'
  ).split(' '),
  TaxScheme: 'cbc:ID? cbc:Name? cbc:TaxTypeCode? cbc:CurrencyCode? cac:JurisdictionRegionAddress?*'.split(' '),
  Period:
    'cbc:StartDate? cbc:StartTime? cbc:EndDate? cbc:EndTime? cbc:DurationMeasure? cbc:DescriptionCode?* cbc:Description?*'.split(
      ' '
    ),
  BillingReference: (
    'cac:InvoiceDocumentReference? cac:SelfBilledInvoiceDocumentReference? cac:CreditNoteDocumentReference? ' +
    'cac:SelfBilledCreditNoteDocumentReference? cac:DebitNoteDocumentReference? cac:ReminderDocumentReference? ' +
    'cac:AdditionalDocumentReference? cac:BillingReferenceLine?*'
  ).split(' '),
  DocumentReference: (
    'cbc:ID cbc:CopyIndicator? cbc:UUID? cbc:IssueDate? cbc:IssueTime? cbc:DocumentTypeCode? cbc:DocumentType? ' +
    'cbc:XPath?* cbc:LanguageID? cbc:LocaleCode? cbc:VersionID? cbc:DocumentStatusCode? cbc:DocumentDescription?* ' +
    'cac:Attachment? cac:ValidityPeriod? cac:IssuerParty? cac:ResultOfVerification?'
  ).split(' '),
  PaymentMeans: (
    'cbc:ID? cbc:PaymentMeansCode cbc:PaymentDueDate? cbc:PaymentChannelCode? cbc:InstructionID? ' +
    'cbc:InstructionNote?* cbc:PaymentID?* cac:CardAccount? cac:PayerFinancialAccount? cac:PayeeFinancialAccount? ' +
    'cac:CreditAccount? cac:PaymentMandate? cac:TradeFinancing?'
  ).split(' '),
  FinancialAccount: (
    'cbc:ID? cbc:Name? cbc:AliasName? cbc:AccountTypeCode? cbc:AccountFormatCode? cbc:CurrencyCode? ' +
    'cbc:PaymentNote?* cac:FinancialInstitutionBranch? cac:Country?'
  ).split(' '),
  Branch: 'cbc:ID? cbc:Name? cac:FinancialInstitution? cac:Address?'.split(' '),
  PaymentTerms: (
    'cbc:ID? cbc:PaymentMeansID?* cbc:PrepaidPaymentReferenceID? cbc:Note?* cbc:ReferenceEventCode? ' +
    'cbc:SettlementDiscountPercent? cbc:PenaltySurchargePercent? cbc:PaymentPercent? cbc:Amount? ' +
    'cbc:SettlementDiscountAmount? cbc:PenaltyAmount? cbc:PaymentTermsDetailsURI? cbc:PaymentDueDate? ' +
    'cbc:InstallmentDueDate? cbc:InvoicingPartyReference? cac:SettlementPeriod? cac:PenaltyPeriod? ' +
    'cac:ExchangeRate? cac:ValidityPeriod?'
  ).split(' '),
  TaxTotal:
    'cbc:TaxAmount cbc:RoundingAmount? cbc:TaxEvidenceIndicator? cbc:TaxIncludedIndicator? cac:TaxSubtotal?*'.split(
      ' '
    ),
  TaxSubtotal: (
    'cbc:TaxableAmount? cbc:TaxAmount cbc:CalculationSequenceNumeric? cbc:TransactionCurrencyTaxAmount? ' +
    'cbc:Percent? cbc:BaseUnitMeasure? cbc:PerUnitAmount? cbc:TierRange? cbc:TierRatePercent? cac:TaxCategory'
  ).split(' '),
  TaxCategory: (
    'cbc:ID? cbc:Name? cbc:Percent? cbc:BaseUnitMeasure? cbc:PerUnitAmount? cbc:TaxExemptionReasonCode? ' +
    'cbc:TaxExemptionReason?* cbc:TierRange? cbc:TierRatePercent? cac:TaxScheme'
  ).split(' '),
  MonetaryTotal: (
    'cbc:LineExtensionAmount? cbc:TaxExclusiveAmount? cbc:TaxInclusiveAmount? cbc:AllowanceTotalAmount? ' +
    'cbc:ChargeTotalAmount? cbc:PrepaidAmount? cbc:PayableRoundingAmount? cbc:PayableAmount cbc:PayableAlternativeAmount?'
  ).split(' '),
  InvoiceLine: (
    'cbc:ID cbc:UUID? cbc:Note?* cbc:InvoicedQuantity? cbc:LineExtensionAmount cbc:TaxPointDate? ' +
    'cbc:AccountingCostCode? cbc:AccountingCost? cbc:PaymentPurposeCode? cbc:FreeOfChargeIndicator? ' +
    'cac:InvoicePeriod?* cac:OrderLineReference?* cac:DespatchLineReference?* cac:ReceiptLineReference?* ' +
    'cac:BillingReference?* cac:DocumentReference?* cac:PricingReference? cac:OriginatorParty? cac:Delivery?* ' +
    'cac:PaymentTerms?* cac:AllowanceCharge?* cac:TaxTotal?* cac:WithholdingTaxTotal?* cac:Item cac:Price? ' +
    'cac:DeliveryTerms? cac:SubInvoiceLine?* cac:ItemPriceExtension?'
  ).split(' '),
  CreditNoteLine: (
    'cbc:ID cbc:UUID? cbc:Note?* cbc:CreditedQuantity? cbc:LineExtensionAmount? cbc:TaxPointDate? ' +
    'cbc:AccountingCostCode? cbc:AccountingCost? cbc:PaymentPurposeCode? cbc:FreeOfChargeIndicator? ' +
    'cac:InvoicePeriod?* cac:OrderLineReference?* cac:DiscrepancyResponse?* cac:DespatchLineReference?* ' +
    'cac:ReceiptLineReference?* cac:BillingReference?* cac:DocumentReference?* cac:PricingReference? ' +
    'cac:OriginatorParty? cac:Delivery?* cac:PaymentTerms?* cac:TaxTotal?* cac:AllowanceCharge?* cac:Item? ' +
    'cac:Price? cac:DeliveryTerms?* cac:SubCreditNoteLine?* cac:ItemPriceExtension?'
  ).split(' '),
  Item: (
    'cbc:Description?* cbc:PackQuantity? cbc:PackSizeNumeric? cbc:CatalogueIndicator? cbc:Name? ' +
    'cbc:HazardousRiskIndicator? cbc:AdditionalInformation?* cbc:Keyword?* cbc:BrandName?* cbc:ModelName?* ' +
    'cac:BuyersItemIdentification? cac:SellersItemIdentification? cac:ManufacturersItemIdentification?* ' +
    'cac:StandardItemIdentification? cac:CatalogueItemIdentification? cac:AdditionalItemIdentification?* ' +
    'cac:CatalogueDocumentReference? cac:ItemSpecificationDocumentReference?* cac:OriginCountry? ' +
    'cac:CommodityClassification?* cac:TransactionConditions?* cac:HazardousItem?* cac:ClassifiedTaxCategory?* ' +
    'cac:AdditionalItemProperty?* cac:ManufacturerParty?* cac:InformationContentProviderParty? cac:OriginAddress?* ' +
    'cac:ItemInstance?* cac:Certificate?* cac:Dimension?*'
  ).split(' '),
  Price: (
    'cbc:PriceAmount cbc:BaseQuantity? cbc:PriceChangeReason?* cbc:PriceTypeCode? cbc:PriceType? ' +
    'cbc:OrderableUnitFactorRate? cac:ValidityPeriod?* cac:PriceList? cac:AllowanceCharge?* cac:PricingExchangeRate?'
  ).split(' ')
}
/** The UBL type of each parent element we emit, by its qualified name. */
export const TYPE_OF: Record<string, string> = {
  'ubl:Invoice': 'Invoice',
  'cn:CreditNote': 'CreditNote',
  'cac:AccountingSupplierParty': 'SupplierParty',
  'cac:AccountingCustomerParty': 'CustomerParty',
  'cac:Party': 'Party',
  'cac:PostalAddress': 'Address',
  'cac:Country': 'Country',
  'cac:PartyTaxScheme': 'PartyTaxScheme',
  'cac:PartyLegalEntity': 'PartyLegalEntity',
  'cac:TaxScheme': 'TaxScheme',
  'cac:InvoicePeriod': 'Period',
  'cac:BillingReference': 'BillingReference',
  'cac:InvoiceDocumentReference': 'DocumentReference',
  'cac:PaymentMeans': 'PaymentMeans',
  'cac:PayeeFinancialAccount': 'FinancialAccount',
  'cac:FinancialInstitutionBranch': 'Branch',
  'cac:PaymentTerms': 'PaymentTerms',
  'cac:TaxTotal': 'TaxTotal',
  'cac:TaxSubtotal': 'TaxSubtotal',
  'cac:TaxCategory': 'TaxCategory',
  'cac:ClassifiedTaxCategory': 'TaxCategory',
  'cac:LegalMonetaryTotal': 'MonetaryTotal',
  'cac:InvoiceLine': 'InvoiceLine',
  'cac:CreditNoteLine': 'CreditNoteLine',
  'cac:Item': 'Item',
  'cac:Price': 'Price'
}
export const PREFIX_OF: Record<string, string> = Object.fromEntries(
  Object.entries(NS).map(([prefix, uri]) => [uri, prefix])
)
export const qualifiedName = (element: Element): string =>
  `${PREFIX_OF[element.namespaceURI ?? ''] ?? `{${element.namespaceURI}}`}:${element.localName}`
export const childElements = (element: Element): Element[] =>
  Array.from(element.childNodes).filter((node): node is Element => node.nodeType === 1)

/** Every element follows its parent's XSD sequence: known names, in order, repeated only where allowed, required ones present. */
export function sequenceViolations(root: Element): string[] {
  const violations: string[] = []
  const visit = (parent: Element, path: string): void => {
    const children = childElements(parent)
    if (children.length === 0) return
    const name = qualifiedName(parent)
    const type = TYPE_OF[name]
    if (type === undefined) {
      violations.push(`${path}: no sequence encoded for ${name}`)
      return
    }
    const sequence = SEQUENCES[type]!.map(entry => ({
      name: entry.replace(/[?*]+$/, ''),
      optional: entry.includes('?'),
      repeatable: entry.endsWith('*')
    }))
    let position = 0
    let previous = ''
    const seen = new Set<string>()
    for (const child of children) {
      const childName = qualifiedName(child)
      const index = sequence.findIndex((entry, i) => i >= position && entry.name === childName)
      if (index === -1)
        violations.push(
          sequence.some(entry => entry.name === childName)
            ? `${path}: ${childName} out of the ${type} sequence`
            : `${path}: ${childName} is not in the ${type} sequence`
        )
      else {
        if (childName === previous && !sequence[index]!.repeatable) violations.push(`${path}: ${childName} repeated`)
        position = index
      }
      previous = childName
      seen.add(childName)
      visit(child, `${path}/${childName}`)
    }
    for (const entry of sequence)
      if (!entry.optional && !seen.has(entry.name)) violations.push(`${path}: ${type} lacks ${entry.name}`)
  }
  visit(root, qualifiedName(root))
  return violations
}

/** Every violation of a document: of each rule encoded here, and of the UBL 2.1 element order. */
export function violationsOfDocument(xml: string): string[] {
  const root = parse(xml).documentElement as unknown as Element
  return [...[...rules].flatMap(([id, check]) => check(root).map(v => `${id}: ${v}`)), ...sequenceViolations(root)]
}
