import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import t from 'tap'
import { emptyDatabase } from './helpers.ts'

t.test('the server migrates, logs one line naming its database and docs, serves, and exits 0 on SIGTERM', async t => {
  const { url } = await emptyDatabase(t)
  const server = spawn(process.execPath, [join(import.meta.dirname, '../src/server.ts')], {
    env: { PATH: process.env.PATH, DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'info' }
  })
  t.teardown(() => {
    server.kill('SIGKILL')
  })
  let startLine = ''
  for await (const line of createInterface({ input: server.stdout })) {
    if (line.includes('Serving')) {
      startLine = JSON.parse(line).msg
      break
    }
  }
  t.match(
    startLine,
    /^Serving http:\/\/127\.0\.0\.1:\d+\/v1 on PostgreSQL at postgres:\/\/postgres(:\*\*\*)?@.*; docs at http:\/\/127\.0\.0\.1:\d+\/docs$/
  )
  const base = /^Serving (\S+)\/v1/.exec(startLine)![1]
  const ready = await fetch(`${base}/health/ready`)
  t.equal(ready.status, 200)
  t.same(await ready.json(), { status: 'ready' })
  const tyreso = await fetch(`${base}/v1/municipalities/0138`)
  t.equal(tyreso.status, 401, 'reference data is served behind the read scope')

  server.kill('SIGTERM')
  const [code] = await once(server, 'exit')
  t.equal(code, 0)
})
