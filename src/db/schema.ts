import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/** The database as Kysely sees it: one interface per table, matching migrations/. */
export interface Database {
  counties: CountiesTable
  municipalities: MunicipalitiesTable
  population_figures: PopulationFiguresTable
  api_keys: ApiKeysTable
}

/** `date` columns are read as YYYY-MM-DD strings (see connection.ts) so they never shift across time zones. */
type IsoDate = string

export interface CountiesTable {
  code: string
  name: string
}

export interface MunicipalitiesTable {
  code: string
  name: string
  county_code: string
}

export interface PopulationFiguresTable {
  municipality_code: string
  reference_date: IsoDate
  population: number
  updated_at: ColumnType<Date, never, Date>
  updated_by_api_key_id: string | null
}

export interface ApiKeysTable {
  id: Generated<string>
  name: string
  token_hash: Buffer
  scopes: string[]
  created_at: ColumnType<Date, never, never>
  revoked_at: ColumnType<Date | null, never, Date>
}

export type Municipality = Selectable<MunicipalitiesTable>
export type NewPopulationFigure = Insertable<PopulationFiguresTable>
export type ApiKey = Selectable<ApiKeysTable>
