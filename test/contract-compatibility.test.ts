import { readFile } from 'node:fs/promises'
import t from 'tap'
import {
  breakingChanges,
  compatibilityProblems,
  documentedExceptions,
  releasesOfMajor
} from '../scripts/contract-compatibility.ts'

const current = JSON.parse(await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))
const changed = (change: (document: any) => void) => {
  const copy = structuredClone(current)
  change(copy)
  return copy
}
const schemas = (document: any) => document.components.schemas
/** The breaking changes found, all of which must say the same thing (at every place the schema is used). */
const each = (change: (document: any) => void) =>
  new Set(breakingChanges(current, changed(change)).map(c => c.replace(/^.*?: /, '')))

t.test(
  'the contract keeps every promise of every release of its major version, but its documented exceptions (CI fails ' +
    'otherwise)',
  async t => {
    const releases = await releasesOfMajor(current)
    t.ok(releases.length > 0, 'a release is kept in openapi/released/')
    const exceptions = await documentedExceptions()
    for (const released of releases)
      t.same(compatibilityProblems(released, current, exceptions), [], `against ${released.info.version}`)
    const changelog = await readFile(new URL('../openapi/CHANGELOG.md', import.meta.url), 'utf8')
    for (const exception of exceptions)
      t.ok(
        exception.reason.length > 40 && changelog.includes(exception.change.split(':')[0]!),
        `${exception.change.split(':')[0]}: a reason, and a line in the changelog`
      )
  }
)

t.test('an exception accepts its one change, and one that matches no change is refused as stale', async t => {
  const narrowed = changed(d => {
    schemas(d).PayoutInput.properties.note.maxLength = 100
  })
  const change = 'POST /v1/register-payouts body.note: maxLength narrowed from 500 to 100'
  const exception = { release: current.info.version, change, reason: 'for the test' }
  t.same(compatibilityProblems(current, narrowed, [exception]), [])
  t.same(compatibilityProblems(current, current, [exception]), [
    `exception for ${current.info.version} matches no change: ${change}`
  ])
})

t.test('removing a required response field is breaking, and so is making it optional', async t => {
  t.same(
    breakingChanges(
      current,
      changed(d => {
        delete schemas(d).Payout.properties.amount
      })
    ),
    [
      'GET /v1/register-payouts 200 application/json.items[]: field amount was removed',
      'POST /v1/register-payouts 201 application/json: field amount was removed',
      'POST /v1/register-payouts/{id}/status-changes 201 application/json: field amount was removed',
      'GET /v1/register-payouts/{id} 200 application/json: field amount was removed'
    ]
  )
  t.same(
    each(d => {
      schemas(d).Payout.required = schemas(d).Payout.required.filter((f: string) => f !== 'amount')
    }),
    new Set(['field amount is no longer always present'])
  )
})

t.test('responses break by new nulls, new enum values and changed types', async t => {
  t.same(
    each(d => {
      schemas(d).Payout.properties.amount.nullable = true
    }),
    new Set(['may now be null'])
  )
  t.same(
    each(d => {
      schemas(d).Payout.properties.status.enum.push('disputed')
    }),
    new Set(['new values disputed'])
  )
  t.same(
    each(d => {
      schemas(d).Payout.properties.year = { type: 'string', maxLength: 4 }
    }),
    new Set(['type integer became string', 'format int32 became undefined'])
  )
})

t.test('requests break by new required fields and parameters, narrower limits and fewer accepted values', async t => {
  t.same(
    breakingChanges(
      current,
      changed(d => {
        schemas(d).PayoutInput.required.push('note')
      })
    ),
    ['POST /v1/register-payouts body: field note is now required']
  )
  t.same(
    breakingChanges(
      current,
      changed(d => {
        schemas(d).PayoutInput.properties.note.maxLength = 100
      })
    ),
    ['POST /v1/register-payouts body.note: maxLength narrowed from 500 to 100']
  )
  t.same(
    each(d => {
      schemas(d).StatusChangeInput.properties.status.enum.pop()
    }),
    new Set(['no longer accepts cancelled'])
  )
  t.same(
    breakingChanges(
      current,
      changed(d => {
        d.paths['/v1/counties'].get.parameters.push({
          in: 'query',
          name: 'country',
          required: true,
          schema: { type: 'string' }
        })
      })
    ),
    ['GET /v1/counties: new required query country']
  )
  t.same(
    breakingChanges(
      current,
      changed(d => {
        d.paths['/v1/counties'].get['x-required-scopes'] = ['admin']
      })
    ),
    ['GET /v1/counties: needs scope admin instead of read']
  )
})

t.test('removing an operation, a success status or a media type is breaking', async t => {
  t.same(
    breakingChanges(
      current,
      changed(d => {
        delete d.paths['/v1/counties']
      })
    ),
    ['GET /v1/counties: removed']
  )
  t.same(
    breakingChanges(
      current,
      changed(d => {
        delete d.paths['/v1/counties'].get.responses['200'].content['text/csv']
      })
    ),
    ['GET /v1/counties 200: no longer offers text/csv']
  )
})

t.test('additions are not breaking: a new operation, an optional parameter, a new response field', async t => {
  t.same(
    breakingChanges(
      current,
      changed(d => {
        d.paths['/v1/new-things'] = d.paths['/v1/counties']
        d.paths['/v1/counties'].get.parameters.push({
          in: 'query',
          name: 'country',
          required: false,
          schema: { type: 'string' }
        })
        schemas(d).Payout.properties.currency = { type: 'string', enum: ['SEK'] }
      })
    ),
    []
  )
})

t.test('a breaking change is accepted with a new major version only', async t => {
  const removed = changed(d => {
    delete d.paths['/v1/counties']
  })
  t.same(compatibilityProblems(current, removed), ['GET /v1/counties: removed'])
  t.same(compatibilityProblems(current, { ...removed, info: { ...removed.info, version: '2.0.0' } }), [])
})
