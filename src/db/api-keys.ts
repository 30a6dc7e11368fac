import { hash, randomBytes } from 'node:crypto'
import type { Db } from './connection.ts'

export const SCOPES = ['read', 'decisions:write', 'finance:write', 'allocations:write', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

export interface ActiveKey {
  id: number
  /** The client the key is issued to: a rotated key keeps it, and with it its Idempotency-Keys. */
  client: string
  name: string
  scopes: string[]
  municipality_code: string | null
}

/** 256 random bits behind a recognisable prefix, so a leaked token is easy to spot in logs and scanners. */
export const newToken = () => `jfk_${randomBytes(32).toString('base64url')}`

export const hashToken = (token: string) => hash('sha256', token, 'buffer')

/** The same hash as text, to find a key among those held in memory (one call: this runs on every request). */
export const tokenHashKey = (token: string) => hash('sha256', token, 'base64')

/** A new key; with a municipality code, a key issued to that municipality, which may act for it only. */
export async function create(
  db: Db,
  name: string,
  scopes: Scope[],
  municipalityCode: string | null = null
): Promise<string> {
  const token = newToken()
  await db
    .insertInto('api_keys')
    .values({ name, scopes, municipality_code: municipalityCode, token_hash: hashToken(token) })
    .execute()
  return token
}

/** Revokes the active key of that name; returns whether there was one. */
export async function revoke(db: Db, name: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Replaces the active key of that name with a new token of the same scopes and municipality, in one transaction:
 * the old token is refused from then on. The client (the name) stays, and with it its Idempotency-Keys, so a
 * retry sent with the new token after a rotation replays instead of writing twice. Undefined when no key has that name.
 */
export async function rotate(db: Db, name: string): Promise<string | undefined> {
  return db.transaction().execute(async trx => {
    const old = await trx
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .returning(['client', 'scopes', 'municipality_code'])
      .executeTakeFirst()
    if (old === undefined) return undefined
    const token = newToken()
    await trx
      .insertInto('api_keys')
      .values({ ...old, name, token_hash: hashToken(token) })
      .execute()
    return token
  })
}

/** Every active key by the base64 of its token's hash, for looking keys up in memory (plugins/auth.ts). */
export async function allActive(db: Db): Promise<Map<string, ActiveKey>> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['id', 'client', 'name', 'scopes', 'municipality_code', 'token_hash'])
    .where('revoked_at', 'is', null)
    .execute()
  return new Map(rows.map(({ token_hash, ...key }) => [token_hash.toString('base64'), key]))
}

export async function findActive(db: Db, token: string): Promise<ActiveKey | undefined> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'client', 'name', 'scopes', 'municipality_code'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
}
