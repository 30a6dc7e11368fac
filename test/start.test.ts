import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from 'playwright-core'
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { release } from '../src/release.ts'
import { chromiumOptions, noBrowser } from './browser.ts'

// The README's start, as a developer runs it: `npm start` in the project, on the embedded PostgreSQL in a fresh
// DATA_DIR, with every other setting as shipped (only the port is a free one, so that tests can run side by side).
const project = join(import.meta.dirname, '..')
const dataDir = await mkdtemp(join(tmpdir(), 'joint-financing-start-'))
await chmod(dataDir, 0o755) // the embedded server may run as the `postgres` user
const pgdata = join(dataDir, 'postgres')
const port = await new Promise<number>(resolve => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => resolve(port))
  })
})
const base = `http://127.0.0.1:${port}`
const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port) }
const { shutdownDrainMs } = loadConfig({})

interface Service {
  npm: ChildProcess
  exited: Promise<unknown[]>
  logs: Array<{ msg: string; [field: string]: unknown }>
}
let service: Service

/** `npm start` in a process group of its own, as a terminal runs a foreground job; resolves once it is ready. */
async function start(): Promise<Service> {
  const npm = spawn('npm', ['start'], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = once(npm, 'exit')
  const logs: Service['logs'] = []
  createInterface({ input: npm.stdout! }).on('line', line => {
    if (line.startsWith('{')) logs.push(JSON.parse(line))
  })
  let ended = false
  void exited.then(() => {
    ended = true
  })
  for (let waited = 0; (await status('/health/ready')) !== 200; waited += 100) {
    if (ended || waited > 120_000) throw new Error('npm start did not become ready')
    await sleep(100)
  }
  return { npm, exited, logs }
}

async function status(path: string, headers: Record<string, string> = {}): Promise<number | string> {
  return fetch(`${base}${path}`, { headers }).then(
    r => r.status,
    (e: { cause?: { code?: string } }) => e.cause?.code ?? 'failed'
  )
}

/** Every process whose command line names this data directory: the postmaster and its backends. */
async function postgresProcesses(): Promise<string[]> {
  const found = []
  for (const pid of (await readdir('/proc')).filter(name => /^\d+$/.test(name))) {
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (command.includes(pgdata)) found.push(`${pid}: ${command.replaceAll('\0', ' ')}`)
  }
  return found
}

const refused = (): Promise<string> =>
  new Promise(resolve => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.on('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })

t.teardown(async () => {
  try {
    process.kill(-service.npm.pid!, 'SIGKILL')
  } catch {}
  const postmaster = Number((await readFile(join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0])
  if (postmaster > 0)
    try {
      process.kill(postmaster, 'SIGKILL')
    } catch {}
  await rm(dataDir, { recursive: true, force: true })
})

service = await start()
const created = await new Promise<string>((resolve, reject) => {
  const npm = spawn(
    'npm',
    ['run', 'api-key', '--', 'create', '--name', 'start-test', '--scope', 'read', '--scope', 'admin'],
    { cwd: project, env, stdio: ['ignore', 'pipe', 'ignore'] }
  )
  let out = ''
  npm.stdout.on('data', chunk => {
    out += chunk
  })
  npm.on('exit', code => (code === 0 ? resolve(out) : reject(new Error(`npm run api-key exited ${code}: ${out}`))))
})
const token = /^jfk_\S+$/m.exec(created)![0]
const auth = { authorization: `Bearer ${token}` }

t.test(
  "npm start serves the interactive documentation: Chromium renders Swagger UI with the API's title and every " +
    'operation',
  { skip: noBrowser },
  async t => {
    const contract = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const operations = Object.values(contract.paths).flatMap(path => Object.keys(path)).length
    const userDataDir = await mkdtemp(join(tmpdir(), 'joint-financing-chromium-'))
    t.teardown(() => rm(userDataDir, { recursive: true, force: true }))
    const browser = await chromium.launchPersistentContext(userDataDir, chromiumOptions())
    t.teardown(() => browser.close())
    const page = await browser.newPage()
    const loaded = await page.goto(`${base}/docs`)
    t.equal(loaded?.status(), 200, '/docs answers 200')
    const title = page.locator('.swagger-ui .info .title')
    await title.waitFor({ timeout: 20_000 })
    t.match(await title.textContent(), new RegExp(`^${release.name}`), "the API's title is rendered")
    await page.locator('.opblock').first().waitFor()
    t.equal(
      await page.locator('.opblock').count(),
      operations,
      `every operation of the contract is listed (${operations})`
    )
  }
)

t.test(
  'when its postmaster is killed (SIGKILL), the service restarts its embedded PostgreSQL: readiness returns to 200 ' +
    'and writes succeed',
  async t => {
    const postmaster = Number((await readFile(join(pgdata, 'postmaster.pid'), 'utf8')).split('\n')[0])
    process.kill(postmaster, 'SIGKILL')
    const killed = Date.now()
    for (let waited = 0; (await status('/health/ready')) !== 503 && waited < 5000; waited += 20) await sleep(20)
    let ready = await status('/health/ready')
    while (ready !== 200 && Date.now() - killed < 30_000) {
      await sleep(100)
      ready = await status('/health/ready')
    }
    t.equal(ready, 200, `readiness is 200 again (after ${Date.now() - killed} ms)`)
    const write = await fetch(`${base}/v1/quality-registers/supervision-test`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Testregistret', short_name: 'Test' })
    })
    t.equal(write.status, 201, 'a write succeeds on the restarted PostgreSQL')
    const read = await fetch(`${base}/v1/quality-registers/supervision-test`, { headers: auth })
    t.match(await read.json(), { code: 'supervision-test', name: 'Testregistret' }, 'and is read back')
    const restarted = Number((await readFile(join(pgdata, 'postmaster.pid'), 'utf8')).split('\n')[0])
    t.not(restarted, postmaster, 'a new postmaster runs')
    t.match(
      service.logs.find(line => line.msg.includes('stopped unexpectedly')),
      { level: 50, signal: 'SIGKILL', postmaster },
      'the crash is logged as an error'
    )
    // The supervisor logs the restart once it sees the new postmaster ready, which can be a moment after the
    // service's own connections (and so readiness and the write above) already succeed.
    const restartLogged = () => service.logs.find(line => line.msg === 'embedded PostgreSQL restarted')
    for (let waited = 0; restartLogged() === undefined && waited < 5000; waited += 20) await sleep(20)
    t.match(restartLogged(), { level: 30, postmaster: restarted }, 'and the restart')
  }
)

/**
 * A test that stops the service with `signal` (which may start it first), checking the drain on the way and what is
 * left after.
 */
function stopsCleanly(name: string, signal: () => Promise<void>) {
  t.test(name, async t => {
    const logFrom = (await readFile(join(dataDir, 'postgres.log'), 'utf8')).length
    await signal()
    const signalled = Date.now()
    await sleep(500)
    t.equal(await status('/health/ready'), 503, 'while draining, readiness tells the load balancer to stop sending')
    t.equal(
      await status('/v1/counties', auth),
      200,
      'and requests are still served from the database, which outlives the drain'
    )
    const [code] = await service.exited
    const took = Date.now() - signalled
    t.equal(code, 0, 'npm exits 0')
    t.ok(
      took >= shutdownDrainMs && took < shutdownDrainMs + 5000,
      `after the drain of ${shutdownDrainMs} ms and the close (${took} ms)`
    )
    t.equal(await refused(), 'ECONNREFUSED', 'nothing listens on the port any more')
    t.same(await postgresProcesses(), [], 'no PostgreSQL process of the data directory is left')
    t.notOk(existsSync(join(pgdata, 'postmaster.pid')), 'postmaster.pid is removed')
    const log = (await readFile(join(dataDir, 'postgres.log'), 'utf8')).slice(logFrom)
    t.match(
      log,
      /received fast shutdown request[\s\S]*database system is shut down\n$/,
      'PostgreSQL logs a clean (fast) shutdown'
    )
  })
}

stopsCleanly('SIGTERM to npm start drains, stops PostgreSQL cleanly and exits 0', async () => {
  service.npm.kill('SIGTERM')
})

stopsCleanly(
  'Ctrl-C (SIGINT to the whole process group) drains too: PostgreSQL, in its own session, outlives the drain, is ' +
    'stopped cleanly, and npm exits 0',
  async () => {
    service = await start()
    process.kill(-service.npm.pid!, 'SIGINT')
  }
)
