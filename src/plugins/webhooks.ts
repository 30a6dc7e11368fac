import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { webhookWorker } from '../webhooks/worker.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether webhooks may go to loopback and private addresses (WEBHOOK_ALLOW_PRIVATE_URLS; off: SSRF). */
    allowPrivateWebhookUrls: boolean
  }
}

/**
 * Delivers the event feed to the webhook endpoints from the moment the service is ready until it closes, woken by
 * every change this instance hears of (webhooks/worker.ts).
 */
export default fp(
  async function webhooks(app: FastifyInstance, options: { allowPrivateUrls: boolean }) {
    app.decorate('allowPrivateWebhookUrls', options.allowPrivateUrls)
    const worker = webhookWorker(app.db, app.log, { allowPrivate: options.allowPrivateUrls })
    const unsubscribe = app.changes.subscribe(change => {
      if (change !== 'keys') worker.wake()
    })
    app.addHook('onReady', () => worker.start())
    app.addHook('preClose', async () => {
      unsubscribe()
      await worker.stop()
    })
  },
  { name: 'webhooks', dependencies: ['database', 'changes'] }
)
