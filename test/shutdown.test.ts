import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { preparedDatabase } from './helpers.ts'

// The real server process, as a container runs it, told to stop (SIGTERM) while answering many requests.
const { db, url } = await preparedDatabase(t)
const token = await apiKeys.create(db, 'bi-tool', ['read'])
const port = await new Promise<number>(resolve => {
  const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address() as { port: number }; probe.close(() => resolve(port)) })
})
const server = spawn(join(import.meta.dirname, '../node_modules/.bin/node'), ['src/server.ts'], {
  cwd: join(import.meta.dirname, '..'),
  env: { ...process.env, DATABASE_URL: url, PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', SHUTDOWN_DRAIN_MS: '1500', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit']
})
const exited = once(server, 'exit')
t.teardown(() => { server.kill('SIGKILL') })

/** One request on its own connection: its status, or the network error that ended it. */
function get (path: string): Promise<number | string> {
  return new Promise(resolve => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${token}` } }, response => {
      response.resume()
      response.on('end', () => resolve(response.statusCode!))
      response.on('error', error => resolve((error as NodeJS.ErrnoException).code ?? error.message))
    })
    req.on('error', error => resolve((error as NodeJS.ErrnoException).code ?? error.message))
    req.end()
  })
}

t.test('on SIGTERM the service finishes every request in flight, then stops accepting, closes its pool and exits 0', async (t) => {
  for (let waited = 0; await get('/health/ready') !== 200; waited += 100) {
    if (waited > 20_000) throw new Error('the server did not become ready')
    await sleep(100)
  }
  const periodId = (await db.selectFrom('recommendation_periods').select('id').where('case_number', '=', '18/00295').executeTakeFirstOrThrow()).id
  const paths = [`/v1/recommendation-periods/${periodId}/cost-shares/2021`, `/v1/recommendation-periods/${periodId}/participation`, '/v1/municipalities?limit=500']

  // 50 clients, each sending its next request when the last is answered, until the server is gone.
  const beforeSignal: Array<number | string> = []
  const afterSignal: Array<number | string> = []
  let signalled = false
  const client = async (n: number) => {
    for (let i = n; ; i++) {
      const sentBeforeSignal = !signalled
      const status = await get(paths[i % paths.length]!)
      ;(sentBeforeSignal ? beforeSignal : afterSignal).push(status)
      if (status === 'ECONNREFUSED') return
    }
  }
  const clients = Promise.all(Array.from({ length: 50 }, (_, n) => client(n)))
  await sleep(1000)
  server.kill('SIGTERM')
  signalled = true
  await sleep(300)
  const readiness = await get('/health/ready')
  t.equal(readiness, 503, `while draining, readiness tells the load balancer to stop sending (got ${readiness})`)
  await clients
  const [code] = await exited
  t.same(beforeSignal.filter(status => status !== 200), [], `all ${beforeSignal.length} requests sent before SIGTERM were answered 200`)
  t.equal(code, 0, 'the process exited 0')
  const served = afterSignal.filter(status => status === 200).length
  // Once the server closes, connections it never accepted are refused, or reset if they were still in the
  // kernel's queue: either way the request never reached the service and a retry elsewhere is safe.
  const turnedAway = afterSignal.filter(status => status === 'ECONNREFUSED' || status === 'ECONNRESET').length
  t.equal(served + turnedAway, afterSignal.length, `after the signal, a request is served (during the drain) or turned away, never answered with an error: ${JSON.stringify(afterSignal.filter(s => s !== 200 && s !== 'ECONNREFUSED' && s !== 'ECONNRESET'))}`)
  t.equal(await get('/health/live'), 'ECONNREFUSED', 'nothing listens any more')
  const connections = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db)
  t.equal(connections.rows[0]!.n, 0, 'the pool is closed: no connection of the server is left')
  t.comment(`50 clients: ${beforeSignal.length} requests sent before SIGTERM, 0 failed; after it ${served} served during the drain and ${turnedAway} turned away once the server had closed`)
})
