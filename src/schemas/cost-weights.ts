import Type, { type Static } from 'typebox'
import { FormatQuery, Int32, MAX_MUNICIPALITIES, MunicipalityCode, NOT_ZERO, ref, Timestamp } from './common.ts'
import { PeriodId } from './recommendation-periods.ts'

export const Weight = Type.String({
  maxLength: 18,
  pattern: `^${NOT_ZERO}[0-9]{1,11}(\\.[0-9]{1,6})?$`,
  description:
    "A positive weight with up to six decimals, e.g. the municipality's membership fee: its share of the year's " +
    'budget is weight ÷ the sum of all weights.',
  example: '16200'
})

export const CostWeightRow = Type.Object(
  {
    municipality_code: MunicipalityCode,
    weight: Weight
  },
  { $id: 'CostWeightRow', additionalProperties: false, description: "One municipality's weight." }
)
export type CostWeightRow = Static<typeof CostWeightRow>

export const CostWeightImport = Type.Array(ref(CostWeightRow), {
  minItems: 1,
  maxItems: 1000,
  description:
    'Weights as a JSON array or CSV with the header `municipality_code,weight`; a weight already held is replaced.',
  example: [{ municipality_code: '0138', weight: '16200' }]
})

export const CostWeightImportResult = Type.Object(
  {
    received: Int32({ minimum: 0, description: 'Rows in the request.', example: 290 }),
    written: Int32({ minimum: 0, description: 'Weights created or replaced.', example: 290 })
  },
  { $id: 'CostWeightImportResult', additionalProperties: false, description: 'What a weight import wrote.' }
)

export const CostWeight = Type.Object(
  {
    municipality_code: MunicipalityCode,
    weight: Weight,
    updated_at: Timestamp
  },
  { $id: 'CostWeight', additionalProperties: false, description: "A municipality's weight in a weighted-total period." }
)

export const CostWeightList = Type.Object(
  {
    period_id: PeriodId,
    weight_sum: Type.String({
      maxLength: 30,
      pattern: '^[0-9]+(\\.[0-9]+)?$',
      description: 'The sum of all weights.',
      example: '3400000'
    }),
    items: Type.Array(ref(CostWeight), { maxItems: MAX_MUNICIPALITIES, description: 'By municipality code.' })
  },
  { $id: 'CostWeightList', additionalProperties: false, description: 'The weights of a weighted-total period.' }
)

export const CostWeightQuery = Type.Object({ ...FormatQuery }, { additionalProperties: false })
