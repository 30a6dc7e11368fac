import Type, { type Static } from 'typebox'
import { FreeText, Int32, MAX_MUNICIPALITIES, MunicipalityCode, NOT_ZERO, Nullable, ref, Timestamp } from './common.ts'
import { PeriodId } from './recommendation-periods.ts'

export const AreaPercent = Type.String({
  maxLength: 6,
  pattern: `^${NOT_ZERO}(100(\\.0{1,2})?|[0-9]{1,2}(\\.[0-9]{1,2})?)$`,
  description: 'A part of a share in percent: more than 0, at most 100, up to two decimals.',
  example: '40'
})

export const AllocationAreaInput = Type.Object(
  {
    area: FreeText({
      minLength: 1,
      maxLength: 200,
      description: 'The operational area (verksamhetsområde).',
      example: 'Äldreomsorg'
    }),
    committee: Type.Optional(
      Nullable(
        FreeText({
          minLength: 1,
          maxLength: 200,
          description: 'The committee (nämnd) that pays for the area, if areas are grouped.',
          example: 'Äldre- och omsorgsnämnden'
        })
      )
    ),
    percent: {
      ...AreaPercent,
      description: "The area's part of the share in percent, up to two decimals; the areas add up to 100."
    }
  },
  { $id: 'AllocationAreaInput', additionalProperties: false, description: 'One area of a cost allocation.' }
)

export const CostAllocationInput = Type.Object(
  {
    period_id: PeriodId,
    areas: Type.Array(ref(AllocationAreaInput), {
      minItems: 1,
      maxItems: 50,
      description: 'The areas, in the order to show them; percentages add up to exactly 100.'
    })
  },
  {
    $id: 'CostAllocationInput',
    additionalProperties: false,
    description:
      'How a municipality splits its share of a period internally. Recording one again makes a new version; the ' +
      'latest counts.',
    example: {
      period_id: 2,
      areas: [
        { area: 'Äldreomsorg', committee: 'Äldre- och omsorgsnämnden', percent: '40' },
        { area: 'Omsorg om personer med funktionsnedsättning', committee: 'Äldre- och omsorgsnämnden', percent: '30' },
        { area: 'Individ- och familjeomsorg', committee: 'Arbetsmarknads- och socialnämnden', percent: '30' }
      ]
    }
  }
)
export type CostAllocationInput = Static<typeof CostAllocationInput>

export const AllocationArea = Type.Object(
  {
    area: AllocationAreaInput.properties.area,
    committee: Nullable(
      FreeText({
        maxLength: 200,
        description: 'The committee that pays for the area; `null` when not grouped.',
        example: 'Äldre- och omsorgsnämnden'
      })
    ),
    percent: { ...AreaPercent, description: 'Percent, as recorded.', example: '40.00' }
  },
  { $id: 'AllocationArea', additionalProperties: false, description: 'One area of a cost allocation.' }
)

export const CostAllocation = Type.Object(
  {
    municipality_code: MunicipalityCode,
    period_id: PeriodId,
    version: Int32({
      minimum: 1,
      description: '1 for the first allocation of the period, then one more for each new one.',
      example: 1
    }),
    areas: Type.Array(ref(AllocationArea), {
      maxItems: 50,
      description: 'The areas, in the order given; percentages add up to 100.'
    }),
    recorded_at: Timestamp
  },
  {
    $id: 'CostAllocation',
    additionalProperties: false,
    description: "A municipality's internal split of its share of a period."
  }
)
export type CostAllocation = Static<typeof CostAllocation>

export const CostAllocationList = Type.Object(
  {
    municipality_code: MunicipalityCode,
    items: Type.Array(ref(CostAllocation), {
      maxItems: MAX_MUNICIPALITIES,
      description: 'The latest allocation of each period.'
    })
  },
  { $id: 'CostAllocationList', additionalProperties: false, description: "A municipality's current cost allocations." }
)
