import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/connection.ts'
import { disabledReason, retryDelayMs } from '../domain/webhooks.ts'
import * as events from '../queries/events.ts'
import * as endpoints from '../queries/webhook-endpoints.ts'
import { send } from './send.ts'

/** Endpoints one instance delivers to at once, and events per endpoint before it gives the others their turn. */
const PARALLEL_ENDPOINTS = 4
const EVENTS_PER_TURN = 100
/** How often due endpoints are looked for without a change to wake the worker: retries, and a feed horizon moving. */
const POLL_MS = 1_000

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

  const deliverTo = async (endpoint: endpoints.Leased) => {
    const types = endpoint.event_types.includes('*') ? undefined : endpoint.event_types
    const due = await events.after(db, endpoint.position, EVENTS_PER_TURN, types)
    for (const event of due) {
      if (stopped) break
      const attempt = await send(endpoint, { id: event.id, body: events.eventJson(event) }, options.allowPrivate)
      if (attempt.delivered) {
        await endpoints.recordAttempt(db, owner, endpoint, event, attempt)
        endpoint.position = event
        endpoint.failed_attempts = 0
        continue
      }
      const now = new Date()
      const reason = disabledReason(endpoint.failing_since ?? now, now, attempt.error ?? 'failed')
      const retryAt = new Date(now.getTime() + retryDelayMs(endpoint.failed_attempts + 1))
      await endpoints.recordAttempt(db, owner, endpoint, event, attempt, { retryAt, disabledReason: reason })
      if (reason !== null) log.warn({ endpoint: endpoint.id, reason }, 'webhook endpoint disabled')
      return
    }
    await endpoints.release(db, endpoint, owner)
    if (due.length === EVENTS_PER_TURN) again = true
  }

  const round = async () => {
    do {
      again = false
      const leased = await endpoints.lease(db, owner, PARALLEL_ENDPOINTS)
      await Promise.all(leased.map(deliverTo))
      if (leased.length === PARALLEL_ENDPOINTS) again = true
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
