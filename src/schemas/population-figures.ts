import Type, { type Static } from 'typebox'
import { FreeText, Int32, IsoDate, MunicipalityCode, ref } from './common.ts'

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

export const PopulationImportWarning = Type.Object(
  {
    reference_date: { ...IsoDate, example: '2018-11-30' },
    detail: FreeText({
      maxLength: 300,
      description: 'What looks wrong.',
      example:
        "the 290 figures of 2018-11-30 sum to 10230185, not Sweden's total on that day, 10225481 (SCB): check that " +
        'the file holds that date'
    })
  },
  {
    $id: 'PopulationImportWarning',
    additionalProperties: false,
    description: 'Something in an import to check, though it was written.'
  }
)

export const PopulationImportResult = Type.Object(
  {
    received: Int32({ minimum: 0, description: 'Rows in the request.', example: 290 }),
    inserted: Int32({ minimum: 0, description: 'Figures that were new.', example: 289 }),
    updated: Int32({
      minimum: 0,
      description: 'Figures that replaced an earlier value for the same municipality and date.',
      example: 1
    }),
    warnings: Type.Array(ref(PopulationImportWarning), {
      maxItems: MAX_IMPORT_ROWS,
      description:
        "For each date written that has Sweden's total (each 30 November of 2017–2022, SCB, as shipped in " +
        '`data/population-sweden-30-november.csv`): a warning once every municipality has a figure of that date ' +
        'and they do not sum to it. The figures are written either way.'
    })
  },
  { $id: 'PopulationImportResult', additionalProperties: false, description: 'What an import wrote.' }
)
