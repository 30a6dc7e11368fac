import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

// `npm run lint:api` keeps the contract clean (CI runs it); this test keeps the DIGG ruleset honest: a rule that
// never fires would let the contract drift from the profile unseen.
const root = join(import.meta.dirname, '..')
const spectral = join(root, 'node_modules/.bin/spectral')
const committed = JSON.parse(await readFile(join(root, 'openapi/openapi.json'), 'utf8'))
// Inside the project, so that Spectral finds the OWASP ruleset package in node_modules above it.
await mkdir(join(root, '.tap'), { recursive: true })
const dir = await mkdtemp(join(root, '.tap', 'api-lint-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
await cp(join(root, 'openapi/lint'), join(dir, 'lint'), { recursive: true })

/** The codes of every problem Spectral finds in a document, with the project's ruleset. */
async function problems(document: object): Promise<string[]> {
  await writeFile(join(dir, 'openapi.json'), JSON.stringify(document))
  const run = promisify(execFile)(
    spectral,
    ['lint', 'openapi.json', '--ruleset', 'lint/spectral.yaml', '--format', 'json', '--quiet'],
    { cwd: dir, maxBuffer: 64 * 1024 * 1024 }
  )
  // Spectral exits 1 when it finds errors; its findings are on stdout either way.
  const { stdout } = await run.catch((error: { stdout: string }) => ({ stdout: error.stdout }))
  return (JSON.parse(stdout) as Array<{ code: string }>).map(problem => problem.code)
}

t.test("the committed contract meets every rule: DIGG, OWASP and Spectral's own", async t => {
  t.same(await problems(committed), [])
})

t.test('each DIGG rule fires on a contract that breaks it', async t => {
  const broken = structuredClone(committed)
  const counties = broken.paths['/v1/counties'].get
  const decidedOn = { type: 'string', maxLength: 10, pattern: '.*', description: 'x', example: 'x' }
  delete broken.paths['/v1/api-info']
  broken.paths['/counties'] = broken.paths['/v1/counties']
  broken.paths['/v1/Län_list/map.svg'] = broken.paths['/v1/counties']
  broken.servers = [{ url: 'http://api.example.se/', description: 'production', 'x-internal': false }]
  const decisions = broken.paths['/v1/decisions'].get
  decisions.parameters = decisions.parameters.filter((p: { name: string }) => p.name !== 'limit')
  counties.parameters.find((p: { name: string }) => p.name === 'limit').schema.default = 50
  counties.parameters.find((p: { name: string }) => p.name === 'page').schema.default = 2
  counties.parameters.push({
    in: 'query',
    name: 'apiKey',
    description: 'x',
    schema: { type: 'string', maxLength: 9, pattern: 'x' }
  })
  counties.responses['400'].content = {
    'application/json': counties.responses['400'].content['application/problem+json']
  }
  delete broken.paths['/v1/municipalities'].get.description
  broken.paths['/v1/municipalities'].get.responses['200'].description = ''
  delete broken.info.termsOfService
  delete broken.info['x-limitations']
  broken.info.description = ''
  delete broken.components.schemas.Problem.properties.instance
  broken.components.securitySchemes.bearerAuth = { type: 'http', scheme: 'basic' }
  Object.assign(broken.components.schemas.County.properties, {
    countyName: { ...decidedOn },
    decided_on: decidedOn,
    created_at: decidedOn,
    founded: { type: 'string', format: 'date', maxLength: 10, description: 'x', example: '1634/01/01' },
    seen: { type: 'string', format: 'date-time', maxLength: 30, description: 'x', example: '2020-01-01 10:00' }
  })
  const found = new Set(await problems(broken))
  const rules = (await readFile(join(root, 'openapi/lint/digg-rest-api-profil.yaml'), 'utf8'))
    .match(/^ {2}digg-[a-z0-9-]+(?=:)/gm)!
    .map(rule => rule.trim())
  t.ok(rules.length >= 20, `${rules.length} DIGG rules`)
  for (const rule of rules) t.ok(found.has(rule), rule)
})
