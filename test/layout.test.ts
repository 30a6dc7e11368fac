import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import t from 'tap'

// The architecture the folders show (README, "Layout"), held by the imports themselves: a route folder uses its own
// files and shared code (http, plugins, queries, reports, schemas, domain, db), never another route folder; shared
// code never uses routes; the domain uses nothing but itself.
const src = resolve(import.meta.dirname, '../src')
const files = (await readdir(src, { recursive: true }))
  .filter(file => file.endsWith('.ts'))
  .map(file => join(src, file))
const importsOf = async (file: string) =>
  [...(await readFile(file, 'utf8')).matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(m =>
    relative(src, resolve(dirname(file), m[1]!))
  )
const area = (path: string) => path.split('/')[0]!
const routeFolder = (path: string) =>
  path.startsWith('routes/') && path.split('/').length > 2 ? path.split('/')[1] : undefined

t.test(
  'no route folder imports another; nothing shared imports a route; the domain imports only the domain',
  async t => {
    const wrong: string[] = []
    let checked = 0
    for (const file of files) {
      const here = relative(src, file)
      for (const target of await importsOf(file)) {
        checked++
        const mine = routeFolder(here)
        const theirs = routeFolder(target)
        if (mine !== undefined && theirs !== undefined && mine !== theirs)
          wrong.push(`${here} imports ${target}, of another route folder`)
        if (area(here) !== 'routes' && here !== 'app.ts' && area(target) === 'routes')
          wrong.push(`${here} imports route code ${target}`)
        if (area(here) === 'domain' && area(target) !== 'domain') wrong.push(`${here} (domain) imports ${target}`)
      }
    }
    t.ok(checked > 300, `${checked} imports of ${files.length} files checked`)
    t.same(wrong, [])
  }
)

t.test('the check finds what it is for', async t => {
  t.equal(routeFolder('routes/decisions/index.ts'), 'decisions')
  t.equal(routeFolder('routes/health.ts'), undefined, 'a route file outside a folder belongs to none')
  t.equal(area('queries/decisions.ts'), 'queries')
})
