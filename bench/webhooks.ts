/**
 * Issue 23's line: what webhooks cost a write. Single decisions are ingested without endpoints, then with three
 * endpoints subscribed to every event (receivers in a process of their own, answering at once), then without again
 * once they are deleted; the ratio is the middle run against the mean of the two around it, so that the growth of the
 * tables over the runs is not counted against the webhooks. Also how long the deliveries took to catch up after the
 * writes stopped, and that every event reached every receiver.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { measure, startServer, type Measured, type Server, type Shape } from './measure.ts'
import type { Scenario } from './scenarios.ts'

const PORTS = [3911, 3912, 3913]

export interface WebhookFigures {
  without: Measured
  with: Measured
  withoutAgain: Measured
  /** Events written while the endpoints were subscribed, and what each receiver got of them. */
  events: number
  received: number[]
  /** Seconds from the end of the writes until every receiver had every event; null: not within two minutes. */
  caughtUpSeconds: number | null
}

const countOf = async (port: number) =>
  ((await (await fetch(`http://127.0.0.1:${port}/count`)).json()) as { received: number }).received

export async function webhookIngest(
  service: Server,
  databaseUrl: string,
  ingest: Scenario,
  adminToken: string,
  shape: Shape
): Promise<WebhookFigures> {
  const receivers = await startServer([`${import.meta.dirname}/receiver.ts`, ...PORTS.map(String)], {
    base: `http://127.0.0.1:${PORTS[0]}`,
    readyPath: '/count'
  })
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
  try {
    const without = await measure(service, ingest, shape)
    // Writes the load generator gave up on may still commit after a run: they settle before anything is counted.
    const written = async () => {
      await sleep(1000)
      return Number((await db.query('SELECT count(*) FROM events')).rows[0].count)
    }
    const before = await written()
    const ids: number[] = []
    for (const port of PORTS) {
      const created = await fetch(`${service.base}/v1/webhook-endpoints`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ url: `http://127.0.0.1:${port}/hooks`, event_types: ['*'] })
      })
      if (created.status !== 201) throw new Error(`could not subscribe: ${created.status} ${await created.text()}`)
      ids.push(((await created.json()) as { id: number }).id)
    }
    const subscribed = await measure(service, ingest, shape)
    const stopped = performance.now()
    const events = (await written()) - before
    let caughtUpSeconds: number | null = null
    for (let waited = 0; waited < 1200; waited++) {
      const counts = await Promise.all(PORTS.map(countOf))
      if (counts.every(count => count >= events)) {
        caughtUpSeconds = (performance.now() - stopped) / 1000
        break
      }
      await sleep(100)
    }
    const received = await Promise.all(PORTS.map(countOf))
    for (const id of ids)
      await fetch(`${service.base}/v1/webhook-endpoints/${id}`, {
        method: 'DELETE',
        headers: { authorization: admin.authorization }
      })
    const withoutAgain = await measure(service, ingest, shape)
    return { without, with: subscribed, withoutAgain, events, received, caughtUpSeconds }
  } finally {
    await db.end()
    await receivers.stop()
  }
}
