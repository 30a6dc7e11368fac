import type { Db } from '../../db/connection.ts'
import type { County } from './schemas.ts'

function selectCounties (db: Db) {
  return db.selectFrom('counties as c')
    .leftJoin('municipalities as m', 'm.county_code', 'c.code')
    .select(['c.code', 'c.name', eb => eb.fn.count<string>('m.code').as('municipality_count')])
    .groupBy('c.code')
}

const toCounty = (row: { code: string, name: string, municipality_count: string | number | bigint }): County =>
  ({ code: row.code, name: row.name, municipality_count: Number(row.municipality_count) })

export async function list (db: Db, page: { limit: number, offset: number }): Promise<{ items: County[], total: number }> {
  const [rows, total] = await Promise.all([
    selectCounties(db).orderBy('c.code').limit(page.limit).offset(page.offset).execute(),
    db.selectFrom('counties').select(eb => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()
  ])
  return { items: rows.map(toCounty), total: Number(total.n) }
}

export async function find (db: Db, code: string): Promise<County | undefined> {
  const row = await selectCounties(db).where('c.code', '=', code).executeTakeFirst()
  return row && toCounty(row)
}
