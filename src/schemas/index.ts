import { County, CountyPage } from './counties.ts'
import {
  Municipality,
  MunicipalityDetail,
  MunicipalityPage,
  MunicipalityPopulation,
  PopulationFigure
} from './municipalities.ts'
import {
  Decision,
  DecisionImportResult,
  DecisionInput,
  DecisionPage,
  Withdrawal,
  WithdrawalInput
} from './decisions.ts'
import { PopulationFigureRow, PopulationImportResult, PopulationImportWarning } from './population-figures.ts'
import {
  BudgetLine,
  PeriodYear,
  RecommendationPeriod,
  RecommendationPeriodInput,
  RecommendationPeriodPage
} from './recommendation-periods.ts'
import {
  CountyUptake,
  MunicipalityParticipation,
  Participation,
  PopulationFiguresUsed,
  StatusCounts,
  TimelinePoint,
  Uptake,
  UptakeTimeline,
  YearParticipation
} from './uptake.ts'
import {
  AllocatedArea,
  AllocatedCommittee,
  Allocation,
  Condition,
  CostShare,
  CostShareSummary,
  CostShareYear,
  InvoiceSummary,
  MunicipalityCostShare,
  MunicipalityCostShares,
  YearInvoicing,
  YearTotals
} from './cost-shares.ts'
import { CostWeight, CostWeightImportResult, CostWeightList, CostWeightRow } from './cost-weights.ts'
import {
  AllocationArea,
  AllocationAreaInput,
  CostAllocation,
  CostAllocationInput,
  CostAllocationList
} from './cost-allocations.ts'
import {
  AdjustmentSummary,
  Invoice,
  InvoicedYear,
  InvoicedYearInput,
  InvoicedYearList,
  InvoicePage,
  Payment,
  PaymentInput,
  SubstitutePopulation
} from './invoicing.ts'
import { Payee, QualityRegister, QualityRegisterInput, QualityRegisterList } from './quality-registers.ts'
import {
  AllocationPlan,
  AllocationPlanInput,
  AllocationPlanList,
  RegisterAllocation,
  RegisterAllocationInput
} from './register-allocations.ts'
import { AuditEvent, AuditEventPage } from './audit-events.ts'
import {
  AllocationRule,
  Payout,
  PayoutEvent,
  PayoutInput,
  PayoutPage,
  PayoutReport,
  PayoutReportYear,
  RegisterFunds,
  StatusChangeInput,
  YearPayoutReport,
  YearSettlement
} from './register-payouts.ts'
import { Adjustment, AdjustmentPage, Settlement, SettlementInput } from './settlements.ts'
import { EInvoiceItem, EInvoicePage } from './e-invoices.ts'
import { FieldError, Problem } from './common.ts'
import { EVENT_SCHEMAS, Event, EventFeed } from './events.ts'
import {
  CreatedWebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointInput,
  WebhookEndpointList
} from './webhook-endpoints.ts'

/** Every named schema: registered once by $id, referenced with ref(), shown as a component in the contract. */
export const namedSchemas = [
  FieldError,
  Problem,
  County,
  CountyPage,
  Municipality,
  MunicipalityDetail,
  MunicipalityPage,
  MunicipalityPopulation,
  PopulationFigure,
  PopulationFigureRow,
  PopulationImportResult,
  PopulationImportWarning,
  BudgetLine,
  PeriodYear,
  RecommendationPeriod,
  RecommendationPeriodInput,
  RecommendationPeriodPage,
  Decision,
  DecisionImportResult,
  DecisionInput,
  DecisionPage,
  Withdrawal,
  WithdrawalInput,
  CountyUptake,
  MunicipalityParticipation,
  Participation,
  PopulationFiguresUsed,
  StatusCounts,
  TimelinePoint,
  Uptake,
  UptakeTimeline,
  YearParticipation,
  CostWeight,
  CostWeightImportResult,
  CostWeightList,
  CostWeightRow,
  AllocatedArea,
  AllocatedCommittee,
  Allocation,
  Condition,
  CostShare,
  CostShareSummary,
  CostShareYear,
  InvoiceSummary,
  MunicipalityCostShare,
  MunicipalityCostShares,
  YearInvoicing,
  YearTotals,
  Invoice,
  InvoicedYear,
  InvoicedYearInput,
  InvoicedYearList,
  InvoicePage,
  Payment,
  PaymentInput,
  SubstitutePopulation,
  AdjustmentSummary,
  Adjustment,
  AdjustmentPage,
  Settlement,
  SettlementInput,
  EInvoiceItem,
  EInvoicePage,
  AllocationArea,
  AllocationAreaInput,
  CostAllocation,
  CostAllocationInput,
  CostAllocationList,
  Payee,
  QualityRegister,
  QualityRegisterInput,
  QualityRegisterList,
  AllocationPlan,
  AllocationPlanInput,
  AllocationPlanList,
  RegisterAllocation,
  RegisterAllocationInput,
  AllocationRule,
  Payout,
  PayoutEvent,
  PayoutInput,
  PayoutPage,
  PayoutReport,
  PayoutReportYear,
  RegisterFunds,
  StatusChangeInput,
  YearPayoutReport,
  YearSettlement,
  AuditEvent,
  AuditEventPage,
  ...EVENT_SCHEMAS,
  Event,
  EventFeed,
  WebhookEndpointInput,
  WebhookEndpoint,
  CreatedWebhookEndpoint,
  WebhookEndpointList,
  WebhookDelivery,
  WebhookDeliveryPage
]
