import Type, { type Static } from 'typebox'
import { FormatQuery, MunicipalityCode, Timestamp } from '../../schemas/common.ts'
import { PeriodId } from '../recommendation-periods/schemas.ts'

export const Weight = Type.String({
  pattern: '^[0-9]{1,11}(\\.[0-9]{1,6})?$',
  description: 'A positive weight with up to six decimals, e.g. the municipality\'s membership fee: its share of the year\'s budget is weight ÷ the sum of all weights.',
  example: '16200'
})

export const CostWeightRow = Type.Object({
  municipality_code: MunicipalityCode,
  weight: Weight
}, { $id: 'CostWeightRow', additionalProperties: false, description: 'One municipality\'s weight.' })
export type CostWeightRow = Static<typeof CostWeightRow>

export const CostWeightImport = Type.Array(CostWeightRow, {
  minItems: 1,
  maxItems: 1000,
  description: 'Weights as a JSON array or CSV with the header `municipality_code,weight`; a weight already held is replaced.',
  example: [{ municipality_code: '0138', weight: '16200' }]
})

export const CostWeightImportResult = Type.Object({
  received: Type.Integer({ minimum: 0, example: 290 }),
  written: Type.Integer({ minimum: 0, description: 'Weights created or replaced.', example: 290 })
}, { $id: 'CostWeightImportResult', additionalProperties: false, description: 'What a weight import wrote.' })

export const CostWeight = Type.Object({
  municipality_code: MunicipalityCode,
  weight: Weight,
  updated_at: Timestamp
}, { $id: 'CostWeight', additionalProperties: false, description: 'A municipality\'s weight in a weighted-total period.' })

export const CostWeightList = Type.Object({
  period_id: PeriodId,
  weight_sum: Type.String({ description: 'The sum of all weights.', example: '3400000' }),
  items: Type.Array(CostWeight, { description: 'By municipality code.' })
}, { $id: 'CostWeightList', additionalProperties: false, description: 'The weights of a weighted-total period.' })

export const CostWeightQuery = Type.Object({ ...FormatQuery }, { additionalProperties: false })
