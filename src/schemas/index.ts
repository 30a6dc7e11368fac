import { County, CountyPage } from '../routes/counties/schemas.ts'
import {
  Municipality,
  MunicipalityDetail,
  MunicipalityPage,
  MunicipalityPopulation,
  PopulationFigure
} from '../routes/municipalities/schemas.ts'
import {
  Decision,
  DecisionImportResult,
  DecisionInput,
  DecisionPage,
  Withdrawal,
  WithdrawalInput
} from '../routes/decisions/schemas.ts'
import { PopulationFigureRow, PopulationImportResult } from '../routes/population-figures/schemas.ts'
import {
  BudgetLine,
  PeriodYear,
  RecommendationPeriod,
  RecommendationPeriodInput,
  RecommendationPeriodPage
} from '../routes/recommendation-periods/schemas.ts'
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
} from '../routes/uptake/schemas.ts'
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
} from '../routes/cost-shares/schemas.ts'
import { CostWeight, CostWeightImportResult, CostWeightList, CostWeightRow } from '../routes/cost-weights/schemas.ts'
import {
  AllocationArea,
  AllocationAreaInput,
  CostAllocation,
  CostAllocationInput,
  CostAllocationList
} from '../routes/cost-allocations/schemas.ts'
import {
  Invoice,
  InvoicedYear,
  InvoicedYearInput,
  InvoicedYearList,
  InvoicePage,
  Payment,
  PaymentInput
} from '../routes/invoicing/schemas.ts'
import {
  Payee,
  QualityRegister,
  QualityRegisterInput,
  QualityRegisterList
} from '../routes/quality-registers/schemas.ts'
import {
  AllocationPlan,
  AllocationPlanInput,
  AllocationPlanList,
  RegisterAllocation,
  RegisterAllocationInput
} from '../routes/register-allocations/schemas.ts'
import { AuditEvent, AuditEventPage } from '../routes/audit-events/schemas.ts'
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
  YearPayoutReport
} from '../routes/register-payouts/schemas.ts'
import { FieldError, Problem } from './common.ts'

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
  AuditEvent,
  AuditEventPage
]
