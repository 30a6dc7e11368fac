import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import t from 'tap'

// The architecture the folders show (README, "Layout"), held by the imports themselves: a route folder uses its own
// files and shared code (http, plugins, queries, reports, schemas, domain, db), never another route folder; shared
// code never uses routes; the domain uses nothing but itself, no package either.
const src = resolve(import.meta.dirname, '../src')
const files = (await readdir(src, { recursive: true }))
  .filter(file => file.endsWith('.ts'))
  .map(file => relative(src, join(src, file)))
/** Every module a file names: relative ones as paths under src/, packages as written. */
const importsOf = async (file: string) =>
  [...(await readFile(join(src, file), 'utf8')).matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map(m =>
    m[1]!.startsWith('.') ? relative(src, resolve(dirname(join(src, file)), m[1]!)) : m[1]!
  )
const isPackage = (target: string) => !target.includes('/') || !files.includes(target)
const area = (path: string) => path.split('/')[0]!
const routeFolder = (path: string) =>
  path.startsWith('routes/') && path.split('/').length > 2 ? path.split('/')[1] : undefined

/** What is wrong with `here` importing `target` (a path under src/ or a package name), if anything. */
const violation = (here: string, target: string) => {
  const local = !isPackage(target)
  const mine = routeFolder(here)
  const theirs = local ? routeFolder(target) : undefined
  if (mine !== undefined && theirs !== undefined && mine !== theirs)
    return `${here} imports ${target}, of another route folder`
  if (local && area(here) !== 'routes' && here !== 'app.ts' && area(target) === 'routes')
    return `${here} imports route code ${target}`
  if (area(here) === 'domain' && (!local || area(target) !== 'domain')) return `${here} (domain) imports ${target}`
  return undefined
}

t.test(
  'no route folder imports another; nothing shared imports a route; the domain imports only the domain',
  async t => {
    const wrong: string[] = []
    let checked = 0
    for (const file of files) {
      for (const target of await importsOf(file)) {
        checked++
        const found = violation(file, target)
        if (found) wrong.push(found)
      }
    }
    t.ok(checked > 300, `${checked} imports of ${files.length} files checked`)
    t.same(wrong, [])
  }
)

t.test('the check finds each kind of wrong import', async t => {
  t.ok(files.includes('routes/decisions/index.ts') && files.includes('routes/invoicing/index.ts'))
  t.match(violation('routes/decisions/index.ts', 'routes/invoicing/index.ts'), /another route folder/)
  t.equal(violation('routes/decisions/index.ts', 'routes/decisions/index.ts'), undefined, 'its own folder')
  t.equal(violation('routes/decisions/index.ts', 'fastify'), undefined, 'a package, outside the domain')
  t.match(violation('db/schema.ts', 'routes/decisions/index.ts'), /route code/)
  t.match(violation('domain/money.ts', 'db/schema.ts'), /\(domain\) imports db/)
  t.match(violation('domain/money.ts', 'kysely'), /\(domain\) imports kysely/, 'a package in the domain')
  t.match(violation('domain/money.ts', 'node:fs'), /\(domain\) imports node:fs/)
  t.equal(routeFolder('routes/health.ts'), undefined, 'a route file outside a folder belongs to none')
})
