import type { Db } from '../db/connection.ts'
import type { County } from '../schemas/counties.ts'

function selectCounties(db: Db) {
  return db
    .selectFrom('counties as c')
    .leftJoin('municipalities as m', 'm.county_code', 'c.code')
    .select(['c.code', 'c.name', eb => eb.fn.count<number>('m.code').as('municipality_count')])
    .groupBy('c.code')
}

export async function list(
  db: Db,
  page: { limit: number; offset: number }
): Promise<{ items: County[]; total: number }> {
  const [rows, total] = await Promise.all([
    selectCounties(db).orderBy('c.code').limit(page.limit).offset(page.offset).execute(),
    db
      .selectFrom('counties')
      .select(eb => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ])
  return { items: rows, total: total.n }
}

export async function find(db: Db, code: string): Promise<County | undefined> {
  return selectCounties(db).where('c.code', '=', code).executeTakeFirst()
}
