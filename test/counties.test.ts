import t from 'tap'
import { testApp } from './helpers.ts'

const { app, bearer } = await testApp(t)
const read = bearer('read')

t.test('all 21 counties are listed in code order, each with its number of municipalities', async t => {
  const response = await app.inject({ url: '/v1/counties?limit=50', headers: read })
  const body = response.json()
  t.equal(body.total_items, 21)
  t.equal(body.items[0].code, '01')
  t.same(body.items[0], { code: '01', name: 'Stockholms län', municipality_count: 26 })
  t.equal(
    body.items.reduce((sum: number, c: { municipality_count: number }) => sum + c.municipality_count, 0),
    290
  )
})

t.test("the default page holds 20 items, as DIGG's profile recommends", async t => {
  const response = await app.inject({ url: '/v1/counties', headers: read })
  t.same([response.json().items.length, response.json().total_pages], [20, 2])
})

t.test('one county by code; an unused code is a 404 problem', async t => {
  const gotland = await app.inject({ url: '/v1/counties/09', headers: read })
  t.same(gotland.json(), { code: '09', name: 'Gotlands län', municipality_count: 1 })
  const unused = await app.inject({ url: '/v1/counties/02', headers: read })
  t.equal(unused.statusCode, 404)
  t.equal(unused.json().type, '/problems/not-found')
})

t.test('counties answer CSV too', async t => {
  const response = await app.inject({ url: '/v1/counties?format=csv&limit=1', headers: read })
  t.equal(response.body, 'code,name,municipality_count\r\n01,Stockholms län,26\r\n')
})
