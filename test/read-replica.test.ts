import t from 'tap'
import { build } from '../src/app.ts'
import { validateEveryResponse } from './contract.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import { connect } from '../src/db/connection.ts'
import { preparedDatabase, testApp } from './helpers.ts'

// Rule: with a read replica configured, the report reads (uptake, participation, cost shares) come from it, while
// writes, API keys and the records themselves stay on the primary. A second database stands in for the replica, so
// what each answer shows tells where it was read.
const primary = await testApp(t)
const replica = await preparedDatabase(t)
const app = await build({ db: primary.db, reportDb: replica.db })
validateEveryResponse(app)
t.teardown(() => app.close())
const read = primary.bearer('read')
const periodId = (await app.inject({ url: '/v1/recommendation-periods?case_number=18/00295', headers: read })).json()
  .items[0].id
const decision = {
  municipality_code: '0138',
  period_case_number: '18/00295',
  outcome: 'adopted',
  decided_on: '2019-04-24',
  decided_by: 'Kommunfullmäktige',
  received_on: '2019-05-02'
}

t.test('a decision is written to the primary; reports show it once the replica has it', async t => {
  const posted = await app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: primary.bearer('decisions:write'),
    payload: decision
  })
  t.equal(posted.statusCode, 201, 'the key is checked and the write lands on the primary')
  t.equal(
    (await app.inject({ url: `/v1/decisions/${posted.json().id}`, headers: read })).statusCode,
    200,
    'the record is read from the primary'
  )
  const uptake = async () =>
    (await app.inject({ url: `/v1/recommendation-periods/${periodId}/uptake?as_of=2019-12-31`, headers: read })).json()
      .municipalities.adopted
  t.equal(await uptake(), 0, 'uptake is read from the replica, which has not received the decision')

  // What replication would bring: the same decision, recorded in the replica's copy.
  await apiKeys.create(replica.db, 'registrar', ['decisions:write'])
  const key = (await replica.db.selectFrom('api_keys').select('id').executeTakeFirstOrThrow()).id
  await replica.db
    .insertInto('decisions')
    .values({
      period_id: periodId,
      municipality_code: '0138',
      outcome: 'adopted',
      decided_on: decision.decided_on,
      decided_by: decision.decided_by,
      received_on: decision.received_on,
      first_year: 2020,
      recorded_by_api_key_id: key
    })
    .execute()
  t.equal(await uptake(), 1, 'once replicated, uptake shows it')
  const participation = (
    await app.inject({ url: `/v1/recommendation-periods/${periodId}/participation?as_of=2019-12-31`, headers: read })
  ).json()
  t.equal(participation.municipalities.find((m: { code: string }) => m.code === '0138').status, 'adopted')
  const shares = (
    await app.inject({ url: `/v1/recommendation-periods/${periodId}/cost-shares/2020`, headers: read })
  ).json()
  t.equal(shares.shares.filter((s: { participating: boolean }) => s.participating).length, 1, 'cost shares too')
})

t.test('readiness needs both databases', async t => {
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200)
  const unreachable = connect('postgres://postgres@127.0.0.1:1/replica')
  const withoutReplica = await build({ db: primary.db, reportDb: unreachable })
  validateEveryResponse(withoutReplica)
  t.teardown(async () => {
    await withoutReplica.close()
    await unreachable.destroy()
  })
  t.equal(
    (await withoutReplica.inject({ url: '/health/ready' })).statusCode,
    503,
    'a replica that does not answer makes the instance not ready'
  )
})
