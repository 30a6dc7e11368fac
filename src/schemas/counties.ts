import Type, { type Static } from 'typebox'
import { CountyCode, FormatQuery, FreeText, Int32, Page, PageQuery } from './common.ts'

export const County = Type.Object(
  {
    code: CountyCode,
    name: FreeText({ maxLength: 100, description: "The county's name (län).", example: 'Stockholms län' }),
    municipality_count: Int32({ minimum: 0, description: 'Municipalities in the county.', example: 26 })
  },
  { $id: 'County', additionalProperties: false, description: 'A Swedish county (län), as coded by SCB.' }
)
export type County = Static<typeof County>

export const CountyPage = Page(County, 'CountyPage')

export const CountyListQuery = Type.Object({ ...PageQuery, ...FormatQuery }, { additionalProperties: false })

export const CountyParams = Type.Object({ code: CountyCode }, { additionalProperties: false })
