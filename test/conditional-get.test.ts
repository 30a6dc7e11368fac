import { request } from 'node:http'
import t from 'tap'
import { checkResponse } from './contract.ts'
import { testApp } from './helpers.ts'

// The headers of conditional GETs and pages as a proxy sees them: over a real socket, where Node and Fastify add
// what `inject` never shows (Date, Connection, a Content-Length for an empty body).
const { app, bearer } = await testApp(t)
const base = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))

interface Wire {
  status: number
  headers: Record<string, string>
  names: string[]
  body: string
}

/** One GET on a fresh connection, with the header lines as the server wrote them. */
function get(path: string, headers: Record<string, string> = {}): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: base.hostname, port: base.port, path, headers: { ...bearer('read'), ...headers }, agent: false },
      response => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const names = response.rawHeaders.filter((_, i) => i % 2 === 0).map(name => name.toLowerCase())
          const wire = {
            status: response.statusCode!,
            headers: response.headers as Record<string, string>,
            names,
            body: Buffer.concat(chunks).toString('utf8')
          }
          try {
            checkResponse({ method: 'GET', url: path, statusCode: wire.status, headers: wire.headers, body: wire.body })
            resolve(wire)
          } catch (error) {
            reject(error)
          }
        })
      }
    )
    sent.on('error', reject)
    sent.end()
  })
}

/** RFC 9110 §15.4.5: what a 304 must carry if the 200 would. */
const CACHE_HEADERS = ['cache-control', 'content-location', 'expires', 'vary']

for (const [what, path] of [
  ['a JSON list', '/v1/counties'],
  ['the CSV form of a list', '/v1/counties?format=csv'],
  ['a resource that sets its own version tag', '/v1/quality-registers/senior-alert']
] as const) {
  t.test(
    `${what}: a 304 carries the ETag and the 200's cache headers, but neither Content-Length nor Content-Type`,
    async t => {
      const ok = await get(path)
      t.equal(ok.status, 200)
      t.match(ok.headers.etag, /^"[^"]+"$/, 'the 200 is tagged')
      const notModified = await get(path, { 'if-none-match': ok.headers.etag! })
      t.equal(notModified.status, 304)
      t.equal(notModified.body, '')
      for (const forbidden of ['content-length', 'content-type', 'transfer-encoding'])
        t.notOk(notModified.names.includes(forbidden), `no ${forbidden}`)
      t.equal(notModified.headers.etag, ok.headers.etag, 'the same ETag')
      for (const header of CACHE_HEADERS)
        t.equal(notModified.headers[header], ok.headers[header], `${header} as the 200's`)
      t.match(notModified.headers.date, /GMT$/, 'a Date')
      t.equal(notModified.names.length, new Set(notModified.names).size, 'no header line twice')
    }
  )
}

t.test('the answers that have two forms say so with Vary, and so do their 304s', async t => {
  const ok = await get('/v1/counties')
  t.match(ok.headers.vary, /\bAccept\b/)
  t.match((await get('/v1/counties', { 'if-none-match': ok.headers.etag! })).headers.vary, /\bAccept\b/)
})

t.test('every page of a list carries RFC 8288 links to its neighbours, in JSON and CSV alike', async t => {
  const links = (path: string) =>
    [
      `<${path}&page=1>; rel="first"`,
      `<${path}&page=1>; rel="prev"`,
      `<${path}&page=3>; rel="next"`,
      `<${path}&page=3>; rel="last"`
    ].join(', ')
  const json = await get('/v1/municipalities?limit=100&page=2')
  t.equal(json.headers.link, links('/v1/municipalities?limit=100'), 'page 2 of 3 (290 municipalities)')
  const csv = await get('/v1/municipalities?limit=100&format=csv&page=2')
  t.equal(csv.headers.link, links('/v1/municipalities?limit=100&format=csv'), 'every other query parameter kept')
  const only = await get('/v1/counties?limit=50')
  t.equal(
    only.headers.link,
    '</v1/counties?limit=50&page=1>; rel="first", </v1/counties?limit=50&page=1>; rel="last"',
    'a single page links to itself only'
  )
})
