import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent, request } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { preparedDatabase } from './helpers.ts'
import { periodIdOf } from './fixtures.ts'

// The real server process, as a container runs it, told to stop (SIGTERM) while answering many requests.
const { db, url } = await preparedDatabase(t)
const token = await apiKeys.create(db, 'bi-tool', ['read'])
const port = await new Promise<number>(resolve => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => resolve(port))
  })
})
const server = spawn(join(import.meta.dirname, '../node_modules/.bin/node'), ['src/server.ts'], {
  cwd: join(import.meta.dirname, '..'),
  env: {
    ...process.env,
    DATABASE_URL: url,
    PORT: String(port),
    RATE_LIMIT_PER_MINUTE: '0',
    SHUTDOWN_DRAIN_MS: '1500',
    LOG_LEVEL: 'warn'
  },
  stdio: ['ignore', 'ignore', 'inherit']
})
const exited = once(server, 'exit')
t.teardown(() => {
  server.kill('SIGKILL')
})

// Clients keep their connections alive, as load balancers and HTTP libraries do: a socket the server closes while
// a request is on its way is reset (ECONNRESET), and such a request may or may not have been served.
const agent = new Agent({ keepAlive: true })
t.teardown(() => agent.destroy())

interface Outcome {
  status: number | string
  reused: boolean
  connection?: string
}

/**
 * One request on a kept-alive connection: its status (or the network error that ended it), and whether it reused a
 * socket.
 */
function get(path: string): Promise<Outcome> {
  return new Promise(resolve => {
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}` } },
      response => {
        response.resume()
        response.on('end', () =>
          resolve({ status: response.statusCode!, reused: req.reusedSocket, connection: response.headers.connection })
        )
        response.on('error', error =>
          resolve({ status: (error as NodeJS.ErrnoException).code ?? error.message, reused: req.reusedSocket })
        )
      }
    )
    req.on('error', error =>
      resolve({ status: (error as NodeJS.ErrnoException).code ?? error.message, reused: req.reusedSocket })
    )
    req.end()
  })
}

t.test(
  'on SIGTERM the service finishes every request in flight, tells kept-alive clients to reconnect, then stops ' +
    'accepting, closes its pool and exits 0',
  async t => {
    for (let waited = 0; (await get('/health/ready')).status !== 200; waited += 100) {
      if (waited > 20_000) throw new Error('the server did not become ready')
      await sleep(100)
    }
    const periodId = await periodIdOf(db, '18/00295')
    const paths = [
      `/v1/recommendation-periods/${periodId}/cost-shares/2021`,
      `/v1/recommendation-periods/${periodId}/participation`,
      '/v1/municipalities?limit=500'
    ]

    // 50 clients, each sending its next request when the last is answered, until the server is gone.
    const beforeSignal: Outcome[] = []
    const afterSignal: Outcome[] = []
    let signalled = false
    const client = async (n: number) => {
      for (let i = n; ; i++) {
        const sentBeforeSignal = !signalled
        const outcome = await get(paths[i % paths.length]!)
        ;(sentBeforeSignal ? beforeSignal : afterSignal).push(outcome)
        if (outcome.status === 'ECONNREFUSED') return
      }
    }
    const clients = Promise.all(Array.from({ length: 50 }, (_, n) => client(n)))
    await sleep(1000)
    server.kill('SIGTERM')
    signalled = true
    await sleep(300)
    const readiness = await get('/health/ready')
    t.equal(
      readiness.status,
      503,
      `while draining, readiness tells the load balancer to stop sending (got ${readiness.status})`
    )
    t.equal(readiness.connection, 'close', 'and every answer while draining closes its connection')
    await clients
    const [code] = await exited
    const all = [...beforeSignal, ...afterSignal]
    t.same(
      beforeSignal.filter(o => o.status !== 200),
      [],
      `all ${beforeSignal.length} requests sent before SIGTERM were answered 200`
    )
    const reused = beforeSignal.filter(o => o.reused).length
    t.ok(
      reused > 0 && beforeSignal.length - reused <= 50,
      `each client opened one connection and kept it alive (${reused} requests reused one)`
    )
    t.equal(code, 0, 'the process exited 0')
    const served = afterSignal.filter(o => o.status === 200).length
    // A request written on a kept-alive connection the server then closes is reset, and its client cannot tell
    // whether it was served: answers while draining say `Connection: close`, so no such connection is left to close.
    t.same(
      all.filter(o => o.status === 'ECONNRESET' && o.reused),
      [],
      'no request on a kept-alive connection is reset'
    )
    // Once the server closes, a new connection is refused, or reset if it was still in the kernel's queue (these
    // clients, unlike a load balancer, keep coming): either way the request never reached the service.
    const turnedAway = afterSignal.filter(
      o => o.status === 'ECONNREFUSED' || (o.status === 'ECONNRESET' && !o.reused)
    ).length
    t.equal(
      served + turnedAway,
      afterSignal.length,
      `after the signal, a request is served (during the drain) or turned away, never answered with an error: ${JSON.stringify(afterSignal.filter(o => o.status !== 200 && o.status !== 'ECONNREFUSED' && o.status !== 'ECONNRESET'))}`
    )
    t.equal((await get('/health/live')).status, 'ECONNREFUSED', 'nothing listens any more')
    // A backend leaves pg_stat_activity a moment after its client has gone: asked again for up to two seconds.
    const serversConnections = async () =>
      (
        await sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(
          db
        )
      ).rows[0]!.n
    let left = await serversConnections()
    for (let waited = 0; left > 0 && waited < 20; waited++) {
      await sleep(100)
      left = await serversConnections()
    }
    t.equal(left, 0, 'the pool is closed: no connection of the server is left')
    const resetNew = afterSignal.filter(o => o.status === 'ECONNRESET').length
    t.comment(
      `50 kept-alive clients: ${beforeSignal.length} requests sent before SIGTERM (${reused} on a reused connection), 0 failed; after it ${served} served during the drain, ${turnedAway} turned away once the server had closed (${resetNew} of them reset on a new connection), 0 reset on a kept-alive one`
    )
  }
)
