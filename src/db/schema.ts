import type { ColumnType, Generated } from 'kysely'
import type { PayoutStatus } from '../domain/register-payouts.ts'

/** The database as Kysely sees it: one interface per table, matching migrations/. */
export interface Database {
  counties: CountiesTable
  municipalities: MunicipalitiesTable
  population_figures: PopulationFiguresTable
  api_keys: ApiKeysTable
  recommendation_periods: RecommendationPeriodsTable
  recommendation_period_years: RecommendationPeriodYearsTable
  recommendation_period_budget_lines: RecommendationPeriodBudgetLinesTable
  decisions: DecisionsTable
  decision_withdrawals: DecisionWithdrawalsTable
  idempotency_keys: IdempotencyKeysTable
  cost_weights: CostWeightsTable
  invoiced_years: InvoicedYearsTable
  invoices: InvoicesTable
  invoice_payments: InvoicePaymentsTable
  settlements: SettlementsTable
  adjustments: AdjustmentsTable
  adjustment_payments: AdjustmentPaymentsTable
  cost_allocations: CostAllocationsTable
  cost_allocation_areas: CostAllocationAreasTable
  quality_registers: QualityRegistersTable
  register_allocation_plans: RegisterAllocationPlansTable
  register_allocations: RegisterAllocationsTable
  register_payouts: RegisterPayoutsTable
  register_payout_events: RegisterPayoutEventsTable
  audit_events: AuditEventsTable
  events: EventsTable
  webhook_endpoints: WebhookEndpointsTable
  webhook_deliveries: WebhookDeliveriesTable
}

/** `numeric` columns are read as decimal strings, exact; money is never a float. */
type Decimal = string

/** `date` columns are read as YYYY-MM-DD strings (see connection.ts) so they never shift across time zones. */
type IsoDate = string

export interface CountiesTable {
  code: string
  name: string
}

export interface MunicipalitiesTable {
  code: string
  name: string
  county_code: string
  organisation_number: string | null
}

export interface PopulationFiguresTable {
  municipality_code: string
  reference_date: IsoDate
  population: number
  updated_at: ColumnType<Date, never, Date>
  updated_by_api_key_id: number | null
}

export interface ApiKeysTable {
  id: Generated<number>
  /** The client the key is issued to; a rotation gives the new key the old one's. */
  client: ColumnType<string, string | undefined, never>
  name: string
  token_hash: Buffer
  scopes: string[]
  /** Set for a key issued to one municipality: it may act for that municipality only. */
  municipality_code: string | null
  created_at: ColumnType<Date, never, never>
  revoked_at: ColumnType<Date | null, never, Date>
}

export interface RecommendationPeriodsTable {
  id: Generated<number>
  case_number: string
  title: string
  board_decision_date: IsoDate | null
  first_year: number
  last_year: number
  annual_budget: Decimal
  cost_model: 'per_inhabitant' | 'weighted_total'
  rate_per_inhabitant: Decimal | null
  population_reference_date: IsoDate | null
  weight_basis: 'membership_fee' | 'imported' | null
  rounding_unit: 'krona' | 'ore'
  rounding_mode: 'half_away_from_zero' | 'half_to_even'
  notes: string | null
  version: Generated<number>
  created_at: ColumnType<Date, never, never>
  updated_at: ColumnType<Date, never, Date>
  updated_by_api_key_id: number | null
}

export interface RecommendationPeriodYearsTable {
  period_id: number
  year: number
  index_adjustment: Decimal
  join_deadline: IsoDate | null
}

export interface RecommendationPeriodBudgetLinesTable {
  period_id: number
  kind: 'quality_registers' | 'user_surveys_and_follow_up' | 'coordination' | 'support_function'
  description: string
  annual_amount: Decimal | null
}

export interface DecisionsTable {
  id: Generated<number>
  period_id: number
  municipality_code: string
  outcome: 'adopted' | 'declined'
  decided_on: IsoDate
  decided_by: string
  municipal_case_number: string | null
  minute_paragraph: string | null
  received_on: IsoDate
  conditions: string | null
  minimum_total_commitment: Decimal | null
  document_url: string | null
  requested_first_year: number | null
  first_year: number | null
  /** Set by the database, or to the time a single write reserved with its id (queries/decisions.ts). */
  recorded_at: ColumnType<Date, Date | undefined, never>
  recorded_by_api_key_id: number
}

export interface DecisionWithdrawalsTable {
  decision_id: number
  reason: string
  withdrawn_at: ColumnType<Date, never, never>
  withdrawn_by_api_key_id: number
}

export interface IdempotencyKeysTable {
  /** The client (api_keys.client) the Idempotency-Key belongs to: keys of one client, rotated, share it. */
  client: string
  api_key_id: number
  key: string
  request_hash: Buffer
  response_status: number | null
  response_headers: ColumnType<Record<string, string> | null, string | null, string | null>
  response_body: string | null
  created_at: ColumnType<Date, never, never>
}

export interface CostWeightsTable {
  period_id: number
  municipality_code: string
  weight: Decimal
  updated_at: ColumnType<Date, never, Date>
  updated_by_api_key_id: number
}

export interface InvoicedYearsTable {
  period_id: number
  year: number
  invoice_date: IsoDate
  as_of: IsoDate
  locked_at: ColumnType<Date, never, never>
  locked_by_api_key_id: number
  substitute_population_decided_by: string | null
  substitute_population_reason: string | null
}

export interface InvoicesTable {
  id: Generated<number>
  period_id: number
  year: number
  municipality_code: string
  reference: string
  invoice_date: IsoDate
  amount: Decimal
  exact_amount: Decimal
  population: number | null
  population_date: IsoDate | null
  population_basis: 'reference_date' | 'substitute' | null
  weight: Decimal | null
  rate_per_inhabitant: Decimal | null
  index_adjustment: Decimal
  decision_id: number
}

export interface InvoicePaymentsTable {
  invoice_id: number
  paid_on: IsoDate
  payment_reference: string | null
  recorded_at: ColumnType<Date, never, never>
  recorded_by_api_key_id: number
}

export interface SettlementsTable {
  id: Generated<number>
  period_id: number
  year: number
  invoice_date: IsoDate
  as_of: IsoDate
  settled_at: ColumnType<Date, never, never>
  settled_by_api_key_id: number
  substitute_population_decided_by: string | null
  substitute_population_reason: string | null
}

export interface AdjustmentsTable {
  id: Generated<number>
  settlement_id: number
  period_id: number
  year: number
  municipality_code: string
  invoice_id: number | null
  sequence: number
  reference: string
  kind: 'credit_note' | 'supplementary_invoice'
  invoice_date: IsoDate
  amount: Decimal
  exact_amount: Decimal
  previously_invoiced: Decimal
  previously_invoiced_exact: Decimal
  share_amount: Decimal
  share_exact_amount: Decimal
  population: number | null
  population_date: IsoDate | null
  population_basis: 'reference_date' | 'substitute' | null
  weight: Decimal | null
  rate_per_inhabitant: Decimal | null
  index_adjustment: Decimal
  decision_id: number | null
}

export interface AdjustmentPaymentsTable {
  adjustment_id: number
  paid_on: IsoDate
  payment_reference: string | null
  recorded_at: ColumnType<Date, never, never>
  recorded_by_api_key_id: number
}

export interface CostAllocationsTable {
  id: Generated<number>
  municipality_code: string
  period_id: number
  version: number
  recorded_at: ColumnType<Date, never, never>
  recorded_by_api_key_id: number
}

export interface CostAllocationAreasTable {
  allocation_id: number
  position: number
  area: string
  committee: string | null
  percent: Decimal
}

export interface QualityRegistersTable {
  code: string
  name: string
  short_name: string
  organisation: string | null
  payee_name: string | null
  organisation_number: string | null
  bankgiro: string | null
  plusgiro: string | null
  notes: string | null
  version: Generated<number>
  created_at: ColumnType<Date, never, never>
  updated_at: ColumnType<Date, never, Date>
  updated_by_api_key_id: number | null
}

export interface RegisterAllocationPlansTable {
  id: Generated<number>
  period_id: number
  year: number
  version: number
  basis: 'share_of_line' | 'fixed_amount'
  scaled_to_collected: boolean
  line_amount: Decimal | null
  budget: Decimal
  collected: Decimal | null
  total: Decimal
  recorded_at: ColumnType<Date, never, never>
  recorded_by_api_key_id: number
}

export interface RegisterAllocationsTable {
  plan_id: number
  register_code: string
  percent: Decimal | null
  fixed_amount: Decimal | null
  amount: Decimal
}

export interface RegisterPayoutsTable {
  id: Generated<number>
  period_id: number
  year: number
  register_code: string
  amount: Decimal
  status: ColumnType<PayoutStatus, PayoutStatus | undefined, PayoutStatus>
  paid_on: IsoDate | null
  payment_reference: string | null
  note: string | null
  created_at: ColumnType<Date, never, never>
  updated_at: ColumnType<Date, never, Date>
}

export interface RegisterPayoutEventsTable {
  id: Generated<number>
  payout_id: number
  status: PayoutStatus
  reason: string | null
  recorded_at: ColumnType<Date, never, never>
  recorded_by_api_key_id: number
}

export interface AuditEventsTable {
  id: ColumnType<number, never, never>
  occurred_at: ColumnType<Date, never, never>
  api_key_id: number
  request_id: string
  operation_id: string
  method: 'POST' | 'PUT' | 'DELETE'
  path: string
  status: number
  request_sha256: Buffer
}

/** xid8 columns are read as decimal strings: transaction ids pass 2^53 in a long-lived cluster. */
type TransactionId = string

export interface EventsTable {
  id: ColumnType<number, never, never>
  transaction_id: ColumnType<TransactionId, never, never>
  occurred_at: ColumnType<Date, never, never>
  type: string
  resource_url: string
  /** The resource as its write answered it, JSON text. */
  data: ColumnType<unknown, string, never>
  audit_event_id: number
}

export interface WebhookEndpointsTable {
  id: ColumnType<number, never, never>
  client: string
  url: string
  event_types: string[]
  description: string | null
  secret: string
  created_at: ColumnType<Date, never, never>
  created_by: number
  deleted_at: Date | null
  after_transaction_id: TransactionId
  after_event_id: ColumnType<number, number | undefined>
  failed_attempts: ColumnType<number, never, number>
  failing_since: Date | null
  next_attempt_at: ColumnType<Date, never, Date>
  lease_owner: string | null
  leased_until: Date | null
  disabled_at: Date | null
  disabled_reason: string | null
}

export interface WebhookDeliveriesTable {
  id: ColumnType<number, never, never>
  endpoint_id: number
  event_id: number
  event_type: string
  attempt: number
  attempted_at: Date
  duration_ms: number
  response_status: number | null
  error: string | null
  delivered: boolean
}
