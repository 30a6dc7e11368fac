import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/connection.ts'
import { disabledReason, retryDelayMs } from '../domain/webhooks.ts'
import * as events from '../queries/events.ts'
import * as endpoints from '../queries/webhook-endpoints.ts'
import { send } from './send.ts'

/** Endpoints one instance delivers to at once, and events per endpoint before it gives the others their turn. */
const LANES = 4
const EVENTS_PER_TURN = 100
/**
 * Delivered attempts recorded in one statement: a statement per event cost as much as the writes it announced. An
 * endpoint deleted meanwhile is sent at most this many more.
 */
const RECORD_EVERY = 10
/**
 * And at least this often, since recording renews the 60 s lease (queries/webhook-endpoints.ts): with a delivery taking
 * at most its 10 s timeout, the lease never runs out while this instance sends.
 */
const RENEW_LEASE_MS = 20_000
/** How often due endpoints are looked for without a change to wake the worker: retries, and a feed horizon moving. */
const POLL_MS = 1_000
const ROUND_GAP_MS = 20

/**
 * Delivers the feed to the webhook endpoints, in every instance: each takes due endpoints under a lease (so no two
 * send one endpoint's events at once), sends their events one by one in feed order, and records every attempt. Woken
 * by each change this instance hears of, and once a second besides.
 */
export function webhookWorker(db: Db, log: FastifyBaseLogger, options: { allowPrivate: boolean }) {
  const owner = `${process.pid}-${randomUUID()}`
  let stopped = false
  let running: Promise<void> | undefined
  let again = false
  let timer: NodeJS.Timeout | undefined

  // One turn of one leased endpoint: its next events in feed order, each sent until one fails. Events of kinds it does
  // not want are passed over, and its position with them, so that a rare kind is not looked for again from afar.
  // Delivered attempts are recorded RECORD_EVERY at a time (a crash sends those not yet recorded again, under the same
  // webhook-id, as at-least-once delivery allows), a failure at once with those before it.
  const deliverTo = async (endpoint: endpoints.Leased) => {
    const wanted = endpoint.event_types.includes('*') ? undefined : new Set(endpoint.event_types)
    const due = await events.after(db, endpoint.position, EVENTS_PER_TURN)
    let unrecorded: endpoints.Sent[] = []
    let recordedAt = performance.now()
    // Deleted, disabled or no longer this instance's lease: false, and nothing more is sent in this turn.
    const record = async () => {
      const sent = unrecorded
      unrecorded = []
      recordedAt = performance.now()
      if (sent.length === 0) return true
      if (!(await endpoints.recordAttempts(db, owner, endpoint, sent))) return false
      Object.assign(endpoint, { failed_attempts: 0, failing_since: null })
      return true
    }
    for (const event of due) {
      if (stopped) break
      if (wanted !== undefined && !wanted.has(event.type)) {
        endpoint.position = event
        continue
      }
      const attempt = await send(endpoint, { id: event.id, body: events.eventJson(event) }, options.allowPrivate)
      unrecorded.push({ event, attempt })
      if (attempt.delivered) {
        endpoint.position = event
        const recordNow = unrecorded.length >= RECORD_EVERY || performance.now() - recordedAt >= RENEW_LEASE_MS
        if (recordNow && !(await record())) return
        continue
      }
      const now = new Date()
      // Delivered attempts before this one, not yet recorded, have ended the failures before them.
      const deliveredBefore = unrecorded.length > 1
      const failingSince = deliveredBefore ? now : (endpoint.failing_since ?? now)
      const reason = disabledReason(failingSince, now, attempt.error ?? 'failed')
      const retryAt = new Date(now.getTime() + retryDelayMs(deliveredBefore ? 1 : endpoint.failed_attempts + 1))
      await endpoints.recordAttempts(db, owner, endpoint, unrecorded, { retryAt, disabledReason: reason })
      if (reason !== null) log.warn({ endpoint: endpoint.id, reason }, 'webhook endpoint disabled')
      return
    }
    if (!(await record())) return
    await endpoints.release(db, endpoint, owner)
    if (due.length === EVENTS_PER_TURN) again = true
  }

  // A lane takes the endpoint due longest that this round has not served, serves it, and takes the next: a slow
  // receiver holds up its own lane only.
  const lane = async (served: number[]) => {
    while (!stopped) {
      const endpoint = await endpoints.lease(db, owner, served)
      if (endpoint === undefined) return
      served.push(endpoint.id)
      await deliverTo(endpoint)
    }
  }

  // A round serves every due endpoint once; another follows while there is more to send or a change arrived meanwhile,
  // but not sooner than ROUND_GAP_MS after it: under a stream of writes, rounds gather the changes instead of asking
  // for due endpoints once per write.
  const round = async () => {
    do {
      again = false
      const served: number[] = []
      // One look first: with nothing due, as is usual, a round is one statement, and takes no more connections.
      const first = await endpoints.lease(db, owner, served)
      if (first !== undefined) {
        served.push(first.id)
        const lanes = await Promise.allSettled([
          deliverTo(first).then(() => lane(served)),
          ...Array.from({ length: LANES - 1 }, () => lane(served))
        ])
        for (const lane of lanes)
          if (lane.status === 'rejected') log.warn({ err: lane.reason }, 'webhook deliveries failed; retrying')
      }
      if (again && !stopped) await sleep(ROUND_GAP_MS)
    } while (again && !stopped)
  }

  const wake = () => {
    if (stopped) return
    if (running !== undefined) {
      again = true
      return
    }
    running = round()
      .catch((err: unknown) => log.warn({ err }, 'webhook deliveries failed; retrying'))
      .finally(() => {
        running = undefined
      })
  }

  return {
    start() {
      timer = setInterval(wake, POLL_MS).unref()
      wake()
    },
    wake,
    /** Stops taking endpoints and waits for the attempts under way (each bounded by its timeout). */
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    }
  }
}
