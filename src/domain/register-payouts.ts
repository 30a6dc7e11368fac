/** The life of a payout to a quality register: planned → approved → paid, or cancelled before it is paid. */
import type { PeriodError } from './recommendation-periods.ts'

export const PAYOUT_STATUSES = ['planned', 'approved', 'paid', 'cancelled'] as const
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number]

/** The statuses a payout may move to from each status; paid and cancelled are final. */
export const NEXT_STATUSES: Record<PayoutStatus, readonly PayoutStatus[]> = {
  planned: ['approved', 'cancelled'],
  approved: ['paid', 'cancelled'],
  paid: [],
  cancelled: []
}

export interface StatusChange {
  status: PayoutStatus
  paid_on?: string
  payment_reference?: string
  reason?: string
}

/**
 * The limit of register money: a new payout may take a register's payouts (all but cancelled ones) up to its
 * allocation for the year, and no further. Undefined when the payout fits; otherwise what is left.
 */
export function payoutBeyondAllocation(
  allocated: bigint,
  committed: bigint,
  amount: bigint
): { left: bigint } | undefined {
  return committed + amount > allocated ? { left: allocated - committed } : undefined
}

/**
 * What a move to a new status lacks, given that the move itself is allowed: a payment has a date (not before the
 * payout was planned) and a reference, and nothing else does; a cancellation says why; money is approved and paid
 * only to a register whose payee details are known.
 */
export function statusChangeErrors(change: StatusChange, plannedOn: string, registerHasPayee: boolean): PeriodError[] {
  const errors: PeriodError[] = []
  const paying = change.status === 'paid'
  for (const field of ['paid_on', 'payment_reference'] as const) {
    if (paying && change[field] === undefined)
      errors.push({ pointer: `/${field}`, detail: 'is required to mark a payout paid' })
    if (!paying && change[field] !== undefined)
      errors.push({ pointer: `/${field}`, detail: 'belongs to a payment only' })
  }
  if (paying && change.paid_on !== undefined && change.paid_on < plannedOn)
    errors.push({ pointer: '/paid_on', detail: `is before the payout was planned (${plannedOn})` })
  if (change.status === 'cancelled' && change.reason === undefined)
    errors.push({ pointer: '/reason', detail: 'is required to cancel a payout' })
  if ((change.status === 'approved' || paying) && !registerHasPayee)
    errors.push({ pointer: '/status', detail: 'the register has no payee details: an admin must record them first' })
  return errors
}
