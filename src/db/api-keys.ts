import { createHash, randomBytes } from 'node:crypto'
import type { Db } from './connection.ts'

export const SCOPES = ['read', 'decisions:write', 'finance:write', 'allocations:write', 'admin'] as const
export type Scope = typeof SCOPES[number]

export interface ActiveKey { id: number, name: string, scopes: string[], municipality_code: string | null }

/** 256 random bits behind a recognisable prefix, so a leaked token is easy to spot in logs and scanners. */
export const newToken = () => `jfk_${randomBytes(32).toString('base64url')}`

export const hashToken = (token: string) => createHash('sha256').update(token).digest()

/** A new key; with a municipality code, a key issued to that municipality, which may act for it only. */
export async function create (db: Db, name: string, scopes: Scope[], municipalityCode: string | null = null): Promise<string> {
  const token = newToken()
  await db.insertInto('api_keys').values({ name, scopes, municipality_code: municipalityCode, token_hash: hashToken(token) }).execute()
  return token
}

/** Revokes the active key of that name; returns whether there was one. */
export async function revoke (db: Db, name: string): Promise<boolean> {
  const result = await db.updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function findActive (db: Db, token: string): Promise<ActiveKey | undefined> {
  return db.selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'municipality_code'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
}
