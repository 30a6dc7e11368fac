/**
 * `npm test`: runs the tap suite against real PostgreSQL. With TEST_DATABASE_URL the suite uses that
 * server; otherwise a throw-away embedded PostgreSQL is started for the run and removed after it.
 * Each test file then creates its own database on the server (see helpers.ts), so files run in parallel.
 * Ends with one line "tests: N passed, N failed", counting each file's top-level tests.
 */
import { spawn, type StdioOptions } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Parser } from 'tap-parser'
import { startEmbedded } from '../src/db/embedded.ts'

let stop = async () => {}
if (!process.env.TEST_DATABASE_URL) {
  const dataDir = await mkdtemp(join(tmpdir(), 'joint-financing-test-'))
  await chmod(dataDir, 0o755) // the embedded server may run as the `postgres` user
  const server = await startEmbedded(dataDir)
  process.env.TEST_DATABASE_URL = server.url
  stop = async () => {
    await server.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
console.log(`Testing against ${process.env.TEST_DATABASE_URL!.replace(/:[^:@/]*@/, ':***@')}`)

const tapBin = join(import.meta.dirname, '../node_modules/.bin/tap')
// Never spawnSync: the embedded server logs through pipes this process reads, and a blocked event loop leaves them
// full, which stalls every PostgreSQL process that writes a line (the fuzz test makes it log many errors).
async function tap(args: string[], stdio: StdioOptions): Promise<number | null> {
  const [status] = (await once(spawn(tapBin, args, { stdio }), 'exit')) as [number | null]
  return status
}
// A fresh install holds tap's default plugin set, whose TypeScript loader needs TypeScript's JS API
// (gone in TypeScript 7); rebuilding applies package.json's plugin list, and Node 24 strips the types.
await tap(['build'], 'ignore')
const resultsDir = join(import.meta.dirname, '../.tap/test-results')
await rm(resultsDir, { recursive: true, force: true }) // count this run's files only
const status = await tap(process.argv.slice(2), 'inherit')
await stop()

const counts = { passed: 0, failed: 0 }
for (const file of await readdir(resultsDir, { recursive: true }).catch(() => [])) {
  if (!file.endsWith('.tap')) continue
  const parser = new Parser()
  parser.on('complete', results => {
    counts.passed += results.pass
    // A file that crashed or stopped short of its plan failed even if no assertion did.
    counts.failed += results.fail > 0 || results.ok ? results.fail : 1
  })
  parser.end(await readFile(join(resultsDir, file), 'utf8'))
}
if (status !== 0 && counts.failed === 0) counts.failed = 1 // tap failed outside any test file's assertions
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed`)
process.exit(status ?? 1)
