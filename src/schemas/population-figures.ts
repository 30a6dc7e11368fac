import Type, { type Static } from 'typebox'
import { Int32, IsoDate, MunicipalityCode, ref } from './common.ts'

export const MAX_IMPORT_ROWS = 10_000

export const PopulationFigureRow = Type.Object(
  {
    municipality_code: MunicipalityCode,
    reference_date: IsoDate,
    population: Int32({
      minimum: 0,
      maximum: 2_147_483_647,
      description: 'Inhabitants on the reference date.',
      example: 48009
    })
  },
  {
    $id: 'PopulationFigureRow',
    additionalProperties: false,
    description: "One municipality's population on one reference date."
  }
)
export type PopulationFigureRow = Static<typeof PopulationFigureRow>

export const PopulationImport = Type.Array(ref(PopulationFigureRow), {
  minItems: 1,
  maxItems: MAX_IMPORT_ROWS,
  description: `Up to ${MAX_IMPORT_ROWS} rows. As CSV: a header row \`municipality_code,reference_date,population\`, then one row per figure.`,
  example: [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48009 }]
})

export const PopulationImportResult = Type.Object(
  {
    received: Int32({ minimum: 0, description: 'Rows in the request.', example: 290 }),
    inserted: Int32({ minimum: 0, description: 'Figures that were new.', example: 289 }),
    updated: Int32({
      minimum: 0,
      description: 'Figures that replaced an earlier value for the same municipality and date.',
      example: 1
    })
  },
  { $id: 'PopulationImportResult', additionalProperties: false, description: 'What an import wrote.' }
)
