/**
 * The Peppol BIS Billing 3.0 documents of src/e-invoices/ubl.ts against the rules of the official validation
 * artefacts (test/e-invoice-rules.ts), each rule its own subtest named by its id and checked on every sample document.
 */
import t from 'tap'
import { toOre } from '../src/domain/money.ts'
import { type EInvoice, type InvoicingParty, ublOf } from '../src/e-invoices/ubl.ts'
import {
  ALL_AMOUNTS,
  BUYER,
  CUSTOMIZATION_ID,
  LINES,
  NS,
  PROFILE_ID,
  SELLER,
  SELLER_VAT_ID,
  SUBTOTALS,
  TOTALS,
  amountsOf,
  childElements,
  count,
  elements,
  nodes,
  normalized,
  ore,
  parse,
  qualifiedName,
  rules,
  sequenceViolations,
  statements,
  value,
  values,
  violationsOf
} from './e-invoice-rules.ts'
// ---------------------------------------------------------------------------------------------------------------
// Sample documents

const skr: InvoicingParty = {
  name: 'Sveriges Kommuner och Regioner',
  organisation_number: '222000-0315',
  peppol_id: '0007:2220000315',
  street: 'Hornsgatan 20',
  postal_code: '118 82',
  city: 'Stockholm',
  bankgiro: null,
  vat_category: 'O',
  vat_exemption_reason: 'Ej föremål för mervärdesskatt',
  payment_terms_days: 30
}
const skrBankgiro: InvoicingParty = { ...skr, bankgiro: '5050-1055' }
const skrExempt: InvoicingParty = {
  ...skr,
  vat_category: 'E',
  vat_exemption_reason: 'Undantagen från skatteplikt enligt 3 kap. mervärdesskattelagen'
}
const skrExemptBankgiro: InvoicingParty = { ...skrExempt, bankgiro: '5050-1055' }

const tyreso = { name: 'Tyresö kommun', organisation_number: '212000-0092' }
const year2020 = { start: '2020-01-01', end: '2020-12-31' }
const line = (amount: string) => ({
  name: 'Kunskapsstyrning socialtjänst 2020',
  description: 'Andel av den gemensamma finansieringen 2020 efter invånarantal',
  amount
})

const tyresoInvoice: EInvoice = {
  type: 'invoice',
  number: '18/00295-2020-0138',
  issue_date: '2020-02-15',
  buyer_reference: '18/00295-2020-0138',
  preceding: null,
  period: year2020,
  buyer: tyreso,
  line: line('93617.55'),
  payable: '93618.00'
}
const preceding = { number: tyresoInvoice.number, issue_date: tyresoInvoice.issue_date }
const tyresoCreditNote: EInvoice = {
  ...tyresoInvoice,
  type: 'credit_note',
  number: '18/00295-2020-0138-1',
  issue_date: '2020-06-10',
  preceding,
  line: line('1950.20'),
  payable: '1950.00'
}
const tyresoSupplementary: EInvoice = {
  ...tyresoInvoice,
  type: 'supplementary_invoice',
  number: '18/00295-2020-0138-2',
  issue_date: '2020-09-01',
  preceding,
  line: line('2339.60'),
  payable: '2340.00'
}
const stockholmInvoice: EInvoice = {
  ...tyresoInvoice,
  number: '18/00295-2020-0180',
  buyer_reference: '18/00295-2020-0180',
  buyer: { name: 'Stockholms kommun', organisation_number: '212000-0142' },
  line: line('1250000.00'),
  payable: '1250000.00'
}
/** Not something invoicing produces, but the builder must keep it valid: a negative line (BR-27). */
const negativeSupplementary: EInvoice = {
  ...tyresoSupplementary,
  number: '18/00295-2020-0138-3',
  line: line('-120.30'),
  payable: '-120.00'
}

const parties = [
  ['SKR (O)', skr],
  ['SKR (O, Bankgiro)', skrBankgiro],
  ['SKR (E)', skrExempt],
  ['SKR (E, Bankgiro)', skrExemptBankgiro]
] as const
const documents = [
  ['Tyresö invoice 2020', tyresoInvoice],
  ['Tyresö credit note', tyresoCreditNote],
  ['Tyresö supplementary invoice', tyresoSupplementary],
  ['Stockholm invoice without rounding', stockholmInvoice],
  ['negative supplementary invoice', negativeSupplementary]
] as const

interface Sample {
  readonly label: string
  readonly party: InvoicingParty
  readonly document: EInvoice
  readonly xml: string
  readonly root: Element
}
const sampleOf = (label: string, party: InvoicingParty, document: EInvoice): Sample => {
  const xml = ublOf(party, document)
  return { label, party, document, xml, root: parse(xml).documentElement }
}
const samples: Sample[] = documents.flatMap(([documentLabel, document]) =>
  parties.map(([partyLabel, party]) => sampleOf(`${documentLabel}, ${partyLabel}`, party, document))
)

for (const [id, check] of rules)
  t.test(`${id}: ${statements.get(id)}`, async t => {
    for (const sample of samples) t.same(check(sample.root), [], sample.label)
  })

t.test(
  'the element order of every parent follows its UBL 2.1 XSD sequence (Invoice and CreditNote differ)',
  async t => {
    for (const sample of samples) t.same(sequenceViolations(sample.root), [], sample.label)
  }
)

// ---------------------------------------------------------------------------------------------------------------
// The document as a whole, and the mapping of our fields

t.test('the root, its namespaces, CustomizationID and ProfileID are exact; UTF-8 with an XML declaration', async t => {
  for (const sample of samples) {
    const credit = sample.document.type === 'credit_note'
    t.ok(sample.xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'), `${sample.label}: XML declaration`)
    t.equal(sample.root.namespaceURI, credit ? NS.cn : NS.ubl, `${sample.label}: root namespace`)
    t.equal(sample.root.localName, credit ? 'CreditNote' : 'Invoice', `${sample.label}: root element`)
    t.equal(sample.root.getAttribute('xmlns:cac'), NS.cac, `${sample.label}: cac namespace`)
    t.equal(sample.root.getAttribute('xmlns:cbc'), NS.cbc, `${sample.label}: cbc namespace`)
    t.equal(value(sample.root, 'cbc:CustomizationID'), CUSTOMIZATION_ID, `${sample.label}: CustomizationID`)
    t.equal(value(sample.root, 'cbc:ProfileID'), PROFILE_ID, `${sample.label}: ProfileID`)
    t.same(values(sample.root, 'cbc:InvoiceTypeCode'), credit ? [] : ['380'], `${sample.label}: InvoiceTypeCode`)
    t.same(values(sample.root, 'cbc:CreditNoteTypeCode'), credit ? ['381'] : [], `${sample.label}: CreditNoteTypeCode`)
  }
})

t.test('the fields of the document and the party are where BIS 3 puts them', async t => {
  for (const { label, party, document, root } of samples) {
    const credit = document.type === 'credit_note'
    const due = new Date(`${document.issue_date}T00:00:00Z`)
    due.setUTCDate(due.getUTCDate() + party.payment_terms_days)
    const dueDate = due.toISOString().slice(0, 10)
    const sellerDigits = party.organisation_number.replace('-', '')
    const buyerDigits = document.buyer.organisation_number.replace('-', '')
    t.equal(value(root, 'cbc:ID'), document.number, `${label}: ID`)
    t.equal(value(root, 'cbc:IssueDate'), document.issue_date, `${label}: IssueDate`)
    t.same(values(root, 'cbc:DueDate'), credit ? [] : [dueDate], `${label}: root DueDate only in an Invoice`)
    t.same(values(root, '//cbc:PaymentDueDate'), [], `${label}: no due date in payment means`)
    t.equal(value(root, 'cbc:DocumentCurrencyCode'), 'SEK', `${label}: currency`)
    t.equal(value(root, 'cbc:BuyerReference'), document.buyer_reference, `${label}: BuyerReference`)
    t.equal(value(root, 'cac:InvoicePeriod/cbc:StartDate'), document.period.start, `${label}: period start`)
    t.equal(value(root, 'cac:InvoicePeriod/cbc:EndDate'), document.period.end, `${label}: period end`)
    t.same(
      [
        values(root, 'cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID'),
        values(root, 'cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate')
      ],
      document.preceding === null ? [[], []] : [[document.preceding.number], [document.preceding.issue_date]],
      `${label}: the preceding invoice`
    )

    t.equal(
      value(root, `${SELLER}/cbc:EndpointID[@schemeID = '0007']`),
      party.peppol_id.slice(5),
      `${label}: seller endpoint`
    )
    t.same(
      [
        value(root, `${SELLER}/cac:PostalAddress/cbc:StreetName`),
        value(root, `${SELLER}/cac:PostalAddress/cbc:CityName`),
        value(root, `${SELLER}/cac:PostalAddress/cbc:PostalZone`),
        value(root, `${SELLER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode`)
      ],
      [party.street, party.city, party.postal_code, 'SE'],
      `${label}: seller address`
    )
    t.same(
      values(root, SELLER_VAT_ID),
      party.vat_category === 'E' ? [`SE${sellerDigits}01`] : [],
      `${label}: a seller VAT number only for category E`
    )
    t.equal(value(root, `${SELLER}/cac:PartyLegalEntity/cbc:RegistrationName`), party.name, `${label}: seller name`)
    t.equal(
      value(root, `${SELLER}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID = '0007']`),
      sellerDigits,
      `${label}: seller legal registration`
    )
    t.equal(count(root, '//cac:PartyIdentification'), 0, `${label}: no PartyIdentification`)
    t.equal(value(root, `${BUYER}/cbc:EndpointID[@schemeID = '0007']`), buyerDigits, `${label}: buyer endpoint`)
    t.same(
      childElements(elements(root, `${BUYER}/cac:PostalAddress`)[0]!).map(qualifiedName),
      ['cac:Country'],
      `${label}: the buyer address is its country only`
    )
    t.equal(
      value(root, `${BUYER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode`),
      'SE',
      `${label}: buyer country`
    )
    t.equal(
      value(root, `${BUYER}/cac:PartyLegalEntity/cbc:RegistrationName`),
      document.buyer.name,
      `${label}: buyer name`
    )
    t.equal(
      value(root, `${BUYER}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID = '0007']`),
      buyerDigits,
      `${label}: buyer legal registration`
    )

    // A credit note is refunded by us: our Bankgiro in it would invite a payment the wrong way.
    if (party.bankgiro === null || credit)
      t.equal(count(root, 'cac:PaymentMeans'), 0, `${label}: no payment means without Bankgiro, nor in a credit note`)
    else
      t.same(
        [
          value(root, 'cac:PaymentMeans/cbc:PaymentMeansCode'),
          value(root, 'cac:PaymentMeans/cbc:PaymentID'),
          value(root, 'cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID'),
          value(root, 'cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID')
        ],
        ['30', document.number, party.bankgiro.replace('-', ''), 'SE:BANKGIRO'],
        `${label}: Bankgiro as credit transfer`
      )
    t.equal(
      value(root, 'cac:PaymentTerms/cbc:Note'),
      credit ? 'Återbetalas inom 30 dagar' : '30 dagar netto',
      `${label}: payment terms in words`
    )

    const category = `${SUBTOTALS}/cac:TaxCategory`
    t.equal(value(root, 'cac:TaxTotal/cbc:TaxAmount'), '0.00', `${label}: no VAT`)
    t.equal(
      value(root, `${SUBTOTALS}/cbc:TaxableAmount`),
      value(root, `${TOTALS}/cbc:LineExtensionAmount`),
      `${label}: taxable`
    )
    t.equal(value(root, `${category}/cbc:ID`), party.vat_category, `${label}: VAT category`)
    t.same(values(root, `${category}/cbc:Percent`), party.vat_category === 'E' ? ['0'] : [], `${label}: rate`)
    t.same(
      values(root, `${category}/cbc:TaxExemptionReasonCode`),
      party.vat_category === 'O' ? ['VATEX-EU-O'] : [],
      `${label}: exemption reason code`
    )
    t.equal(value(root, `${category}/cbc:TaxExemptionReason`), party.vat_exemption_reason, `${label}: exemption reason`)

    const lineOre = toOre(document.line.amount)
    const rounding = toOre(document.payable) - lineOre
    for (const name of ['LineExtensionAmount', 'TaxExclusiveAmount', 'TaxInclusiveAmount'])
      t.equal(ore(value(root, `${TOTALS}/cbc:${name}`)), lineOre, `${label}: ${name}`)
    t.same(
      amountsOf(root, `${TOTALS}/cbc:PayableRoundingAmount`),
      rounding === 0n ? [] : [rounding],
      `${label}: rounding only when not zero`
    )
    t.equal(ore(value(root, `${TOTALS}/cbc:PayableAmount`)), toOre(document.payable), `${label}: PayableAmount`)

    const documentLine = elements(root, LINES)
    t.equal(documentLine.length, 1, `${label}: one line`)
    const l = documentLine[0]!
    t.equal(value(l, 'cbc:ID'), '1', `${label}: line ID`)
    const quantity = elements(l, credit ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity')[0]
    t.equal(quantity?.getAttribute('unitCode'), 'C62', `${label}: unit "one"`)
    t.equal(normalized(quantity?.textContent ?? ''), lineOre < 0n ? '-1' : '1', `${label}: quantity`)
    t.equal(ore(value(l, 'cbc:LineExtensionAmount')), lineOre, `${label}: line amount`)
    t.equal(ore(value(l, 'cac:Price/cbc:PriceAmount')), lineOre < 0n ? -lineOre : lineOre, `${label}: price`)
    t.equal(value(l, 'cac:Item/cbc:Name'), document.line.name, `${label}: item name`)
    t.equal(value(l, 'cac:Item/cbc:Description'), document.line.description, `${label}: item description`)
    t.equal(value(l, 'cac:Item/cac:ClassifiedTaxCategory/cbc:ID'), party.vat_category, `${label}: line category`)
  }
})

t.test(
  "Tyresö's 2020 invoice: due 2020-03-16, rounded up by 0.45 to 93618.00; its credit note down by 0.20",
  async t => {
    const invoice = sampleOf('invoice', skr, tyresoInvoice).root
    t.equal(value(invoice, 'cbc:DueDate'), '2020-03-16', '30 days from 2020-02-15 across a leap February')
    t.equal(value(invoice, `${TOTALS}/cbc:LineExtensionAmount`), '93617.55')
    t.equal(value(invoice, `${TOTALS}/cbc:PayableRoundingAmount`), '0.45')
    t.equal(value(invoice, `${TOTALS}/cbc:PayableAmount`), '93618.00')
    for (const amount of elements(invoice, ALL_AMOUNTS))
      t.equal(amount.getAttribute('currencyID'), 'SEK', amount.localName)
    const credit = sampleOf('credit note', skrBankgiro, tyresoCreditNote).root
    t.equal(value(credit, `${TOTALS}/cbc:PayableRoundingAmount`), '-0.20')
    t.equal(value(credit, `${TOTALS}/cbc:PayableAmount`), '1950.00')
    t.equal(count(credit, 'cac:PaymentMeans'), 0, 'a credit note has no payment means, even with a Bankgiro configured')
    const stockholm = sampleOf('no rounding', skr, stockholmInvoice).root
    t.equal(count(stockholm, '//cbc:PayableRoundingAmount'), 0)
    t.equal(value(stockholm, `${TOTALS}/cbc:PayableAmount`), '1250000.00')
  }
)

t.test('free text with <, &, ", ]]> and markup round-trips as text and adds no element (injection)', async t => {
  const hostile =
    'Kommun <b>&amp; "Co" \'x\' ]]> </cbc:Name><cbc:Evil>1</cbc:Evil><![CDATA[y]]> <!-- c --> <?pi x?> &lt; &Co; &#1; & ;'
  const document: EInvoice = {
    ...tyresoInvoice,
    number: `18/00295-2020-0138 <${hostile}`,
    buyer_reference: `ref & ${hostile}`,
    buyer: { ...tyreso, name: hostile },
    line: { name: hostile, description: `${hostile}\nrad två`, amount: '93617.55' }
  }
  const party: InvoicingParty = {
    ...skrExemptBankgiro,
    name: `SKR ${hostile}`,
    street: hostile,
    city: hostile,
    postal_code: hostile,
    vat_exemption_reason: hostile
  }
  const plain = sampleOf('plain', skrExemptBankgiro, tyresoInvoice).root
  const { xml, root } = sampleOf('hostile', party, document)
  t.notOk(xml.includes('<cbc:Evil>'), 'the markup is escaped')
  t.equal(count(root, '//*'), count(plain, '//*'), 'the same number of elements as a plain document')
  t.equal(count(root, "//*[local-name() = 'Evil']"), 0, 'no injected element')
  t.equal(
    count(root, '//comment() | //processing-instruction()'),
    count(plain, '//comment() | //processing-instruction()'),
    'no comments or processing instructions'
  )
  const text = (expression: string) => nodes(root, expression)[0]?.textContent
  t.equal(text('cbc:ID'), document.number)
  t.equal(text('cbc:BuyerReference'), document.buyer_reference)
  t.equal(text('cac:PaymentMeans/cbc:PaymentID'), document.number)
  t.equal(text(`${BUYER}/cac:PartyLegalEntity/cbc:RegistrationName`), hostile)
  t.equal(text(`${SELLER}/cac:PartyLegalEntity/cbc:RegistrationName`), party.name)
  t.equal(text(`${SELLER}/cac:PostalAddress/cbc:StreetName`), hostile)
  t.equal(text(`${SUBTOTALS}/cac:TaxCategory/cbc:TaxExemptionReason`), hostile)
  t.equal(text('cac:InvoiceLine/cac:Item/cbc:Name'), hostile)
  t.equal(text('cac:InvoiceLine/cac:Item/cbc:Description'), document.line.description, 'a newline survives')
  t.same(sequenceViolations(root), [])
  t.throws(
    () => ublOf(party, { ...document, line: { ...document.line, name: 'bell \u0007' } }),
    'a control character XML cannot carry throws'
  )
})

t.test('input no receiver would accept is refused, not sent', async t => {
  const refused = (party: InvoicingParty, document: EInvoice, what: string) =>
    t.throws(() => ublOf(party, document), RangeError, what)
  refused({ ...skr, organisation_number: '222000-0316' }, tyresoInvoice, 'a seller organisation number failing Luhn')
  refused({ ...skr, organisation_number: '2220000315' }, tyresoInvoice, 'an organisation number without its hyphen')
  refused({ ...skr, peppol_id: '0088:2220000315' }, tyresoInvoice, 'a Peppol ID of another scheme')
  refused({ ...skr, peppol_id: '0007:2220000316' }, tyresoInvoice, 'a Peppol ID failing Luhn')
  refused(skr, { ...tyresoInvoice, buyer: { ...tyreso, organisation_number: '212000-0093' } }, 'a buyer failing Luhn')
  refused({ ...skr, bankgiro: '505-10' }, tyresoInvoice, 'a Bankgiro of six digits')
  refused({ ...skr, bankgiro: '5050 1055' }, tyresoInvoice, 'a Bankgiro with a space')
  refused({ ...skr, payment_terms_days: -1 }, tyresoInvoice, 'negative payment terms')
  refused({ ...skr, payment_terms_days: 1.5 }, tyresoInvoice, 'fractional payment terms')
  refused(skr, { ...tyresoInvoice, issue_date: '2020-02-30' }, 'a date that does not exist')
  refused(
    skr,
    { ...tyresoInvoice, period: { start: '2020-12-31', end: '2020-01-01' } },
    'a period ending before it starts'
  )
  refused(skr, { ...tyresoInvoice, line: line('93617.555') }, 'an amount with three decimals')
  refused(skr, { ...tyresoInvoice, payable: '93 618' }, 'an amount that is no decimal')
  refused({ ...skr, name: ' \n ' }, tyresoInvoice, 'an empty seller name (PEPPOL-EN16931-R008)')
  refused(skr, { ...tyresoInvoice, buyer_reference: '' }, 'an empty buyer reference')
  t.doesNotThrow(() => ublOf({ ...skr, bankgiro: '50501055' }, tyresoInvoice), 'a Bankgiro without hyphen')
  t.doesNotThrow(() => ublOf({ ...skr, bankgiro: '505-1055' }, tyresoInvoice), 'a seven-digit Bankgiro')
  t.match(ublOf({ ...skr, payment_terms_days: 1 }, tyresoInvoice), '<cbc:Note>1 dag netto</cbc:Note>')
})

// ---------------------------------------------------------------------------------------------------------------
// Mutations: each check fails on a deliberately broken document

/** A sample's document parsed afresh and changed by `change`. */
function broken(sample: Sample, change: (document: Document, root: Element) => void): Element {
  const document = parse(sample.xml)
  change(document, document.documentElement)
  return document.documentElement
}
const first = (root: Element, expression: string): Element => {
  const element = elements(root, expression)[0]
  if (element === undefined) throw new Error(`nothing at ${expression}`)
  return element
}
const setText = (document: Document, element: Element, text: string): void => {
  while (element.firstChild !== null) element.removeChild(element.firstChild)
  element.appendChild(document.createTextNode(text))
}
const remove = (element: Element): void => {
  element.parentNode!.removeChild(element)
}
const sampleNamed = (label: string): Sample => {
  const sample = samples.find(s => s.label === label)
  if (sample === undefined) throw new Error(`no sample ${label}`)
  return sample
}

t.test('mutation: the checks fail on broken documents', async t => {
  const invoiceO = sampleNamed('Tyresö invoice 2020, SKR (O, Bankgiro)')
  const invoiceE = sampleNamed('Tyresö invoice 2020, SKR (E)')
  const creditNote = sampleNamed('Tyresö credit note, SKR (O, Bankgiro)')
  const fails = (id: string, root: Element, what: string) => t.not(violationsOf(id, root).length, 0, `${id}: ${what}`)

  fails(
    'BR-CO-16',
    broken(invoiceO, (d, r) => setText(d, first(r, `${TOTALS}/cbc:PayableAmount`), '93619.00')),
    'wrong PayableAmount'
  )
  fails(
    'BR-CO-16',
    broken(invoiceO, (_, r) => remove(first(r, `${TOTALS}/cbc:PayableRoundingAmount`))),
    'rounding dropped'
  )
  fails(
    'BR-CO-10',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:InvoiceLine/cbc:LineExtensionAmount'), '93617.56')),
    'line ≠ sum'
  )
  fails(
    'BR-DEC-18',
    broken(invoiceO, (d, r) => setText(d, first(r, `${TOTALS}/cbc:PayableAmount`), '93618.001')),
    'three decimals'
  )
  fails(
    'PEPPOL-EN16931-R003',
    broken(invoiceO, (_, r) => remove(first(r, 'cbc:BuyerReference'))),
    'no BuyerReference'
  )
  fails(
    'PEPPOL-EN16931-R004',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cbc:CustomizationID'), 'urn:cen.eu:en16931:2017')),
    'bare EN 16931'
  )
  fails(
    'PEPPOL-EN16931-R008',
    broken(invoiceO, (d, r) => r.appendChild(d.createElementNS(NS.cbc, 'cbc:Note'))),
    'an empty Note'
  )
  fails(
    'PEPPOL-EN16931-R120',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:InvoiceLine/cac:Price/cbc:PriceAmount'), '93617.50')),
    'price × 1 ≠ net'
  )
  fails(
    'BR-27',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:InvoiceLine/cac:Price/cbc:PriceAmount'), '-1.00')),
    'a negative price'
  )
  fails(
    'BR-CO-25',
    broken(invoiceO, (_, r) => {
      remove(first(r, 'cbc:DueDate'))
      remove(first(r, 'cac:PaymentTerms'))
    }),
    'neither due date nor terms'
  )
  fails(
    'PEPPOL-EN16931-P0100',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cbc:InvoiceTypeCode'), '381')),
    'a credit note code in an Invoice'
  )
  fails(
    'PEPPOL-EN16931-P0101',
    broken(creditNote, (d, r) => setText(d, first(r, 'cbc:CreditNoteTypeCode'), '380')),
    'an invoice code in a CreditNote'
  )
  fails(
    'UBL-CR-412',
    broken(invoiceO, (d, r) => {
      const means = first(r, 'cac:PaymentMeans')
      const due = d.createElementNS(NS.cbc, 'cbc:PaymentDueDate')
      due.appendChild(d.createTextNode('2020-03-16'))
      means.insertBefore(due, first(means, 'cbc:PaymentID'))
    }),
    'a PaymentDueDate in an Invoice'
  )
  fails(
    'PEPPOL-COMMON-R049',
    broken(invoiceO, (d, r) => setText(d, first(r, `${BUYER}/cbc:EndpointID`), '2120000093')),
    'a buyer failing Luhn'
  )
  fails(
    'SE-R-013',
    broken(invoiceO, (d, r) => setText(d, first(r, `${SELLER}/cac:PartyLegalEntity/cbc:CompanyID`), '2220000316')),
    'Luhn'
  )
  fails(
    'SE-R-004',
    broken(invoiceO, (d, r) => setText(d, first(r, `${SELLER}/cac:PartyLegalEntity/cbc:CompanyID`), '222000031')),
    'nine digits'
  )
  fails(
    'SE-R-003',
    broken(invoiceO, (d, r) => setText(d, first(r, `${SELLER}/cac:PartyLegalEntity/cbc:CompanyID`), '222000-0315')),
    'a hyphen'
  )
  fails(
    'SE-R-008',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID'), '5050-1055')),
    'a hyphen'
  )
  fails(
    'SE-R-009',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID'), '505010551')),
    'nine digits'
  )
  fails(
    'SE-R-011',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:PaymentMeans/cbc:PaymentMeansCode'), '56')),
    'code 56 for Bankgiro'
  )
  fails(
    'SE-R-012',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:PaymentMeans/cbc:PaymentMeansCode'), '31')),
    'code 31 domestically'
  )
  fails(
    'SE-R-001',
    broken(invoiceE, (d, r) => setText(d, first(r, SELLER_VAT_ID), 'SE2220000315')),
    'a VAT number without 01'
  )
  fails(
    'BR-O-02',
    broken(invoiceO, (d, r) => {
      const scheme = d.createElementNS(NS.cac, 'cac:PartyTaxScheme')
      const id = d.createElementNS(NS.cbc, 'cbc:CompanyID')
      id.appendChild(d.createTextNode('SE222000031501'))
      const taxScheme = d.createElementNS(NS.cac, 'cac:TaxScheme')
      const vat = d.createElementNS(NS.cbc, 'cbc:ID')
      vat.appendChild(d.createTextNode('VAT'))
      taxScheme.appendChild(vat)
      scheme.appendChild(id)
      scheme.appendChild(taxScheme)
      const party = first(r, SELLER)
      party.insertBefore(scheme, first(party, 'cac:PartyLegalEntity'))
    }),
    'a seller VAT number with category O'
  )
  fails(
    'BR-O-05',
    broken(invoiceO, (d, r) => {
      const category = first(r, 'cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory')
      const percent = d.createElementNS(NS.cbc, 'cbc:Percent')
      percent.appendChild(d.createTextNode('0'))
      category.insertBefore(percent, first(category, 'cac:TaxScheme'))
    }),
    'a rate on an O line'
  )
  fails(
    'BR-48',
    broken(invoiceE, (_, r) => remove(first(r, `${SUBTOTALS}/cac:TaxCategory/cbc:Percent`))),
    'an E breakdown without rate'
  )
  fails(
    'BR-E-02',
    broken(invoiceE, (_, r) => remove(first(r, `${SELLER}/cac:PartyTaxScheme`))),
    'E without the seller VAT number'
  )
  fails(
    'BR-E-05',
    broken(invoiceE, (_, r) => remove(first(r, 'cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent'))),
    'an E line without rate'
  )
  fails(
    'BR-E-10',
    broken(invoiceE, (_, r) => remove(first(r, `${SUBTOTALS}/cac:TaxCategory/cbc:TaxExemptionReason`))),
    'no reason'
  )
  fails(
    'BR-O-10',
    broken(invoiceO, (_, r) => {
      remove(first(r, `${SUBTOTALS}/cac:TaxCategory/cbc:TaxExemptionReason`))
      remove(first(r, `${SUBTOTALS}/cac:TaxCategory/cbc:TaxExemptionReasonCode`))
    }),
    'no reason'
  )
  fails(
    'PEPPOL-EN16931-P0105',
    broken(invoiceE, (d, r) => {
      const category = first(r, `${SUBTOTALS}/cac:TaxCategory`)
      const code = d.createElementNS(NS.cbc, 'cbc:TaxExemptionReasonCode')
      code.appendChild(d.createTextNode('VATEX-EU-O'))
      category.insertBefore(code, first(category, 'cbc:TaxExemptionReason'))
    }),
    'VATEX-EU-O with category E'
  )
  fails(
    'BR-CL-23',
    broken(invoiceO, (_, r) => first(r, 'cac:InvoiceLine/cbc:InvoicedQuantity').setAttribute('unitCode', 'PIECE')),
    'a made-up unit'
  )
  fails(
    'PEPPOL-EN16931-R051',
    broken(invoiceO, (_, r) => first(r, `${TOTALS}/cbc:PayableAmount`).setAttribute('currencyID', 'EUR')),
    'another currency'
  )
  fails(
    'BR-CO-15',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cac:TaxTotal/cbc:TaxAmount'), '1.00')),
    'VAT not added'
  )
  fails(
    'PEPPOL-EN16931-F001',
    broken(invoiceO, (d, r) => setText(d, first(r, 'cbc:IssueDate'), '2020-2-15')),
    'a date without padding'
  )

  t.not(
    sequenceViolations(
      broken(invoiceO, (_, r) => r.insertBefore(first(r, 'cbc:InvoiceTypeCode'), first(r, 'cbc:DueDate')))
    ).length,
    0,
    'order: InvoiceTypeCode before DueDate'
  )
  t.not(
    sequenceViolations(
      broken(creditNote, (d, r) => {
        const due = d.createElementNS(NS.cbc, 'cbc:DueDate')
        due.appendChild(d.createTextNode('2020-07-10'))
        r.insertBefore(due, first(r, 'cbc:CreditNoteTypeCode'))
      })
    ).length,
    0,
    'order: a CreditNote has no root DueDate in UBL 2.1'
  )
  t.not(
    sequenceViolations(
      broken(creditNote, (_, r) => r.insertBefore(first(r, 'cbc:CreditNoteTypeCode'), first(r, 'cbc:IssueDate')))
    ).length,
    0,
    'order: the type code after the issue date'
  )
  t.not(sequenceViolations(broken(invoiceO, (_, r) => remove(first(r, 'cbc:ID')))).length, 0, 'order: the required ID')
  t.not(
    sequenceViolations(broken(invoiceO, (_, r) => r.appendChild(first(r, 'cac:TaxTotal')))).length,
    0,
    'order: TaxTotal after the line'
  )
  t.not(
    sequenceViolations(
      broken(invoiceO, (_, r) => {
        const totals = first(r, TOTALS)
        totals.appendChild(first(totals, 'cbc:LineExtensionAmount'))
      })
    ).length,
    0,
    'order: amounts in LegalMonetaryTotal'
  )
})
