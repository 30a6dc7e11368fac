import Type, { type Static } from 'typebox'
import {
  CountyCode,
  FormatQuery,
  FreeText,
  Int32,
  IsoDate,
  MunicipalityCode,
  Nullable,
  Page,
  PageQuery,
  ref
} from './common.ts'

export const Municipality = Type.Object(
  {
    code: MunicipalityCode,
    name: FreeText({
      maxLength: 100,
      description: "SCB's short name of the municipality (kommun).",
      example: 'Tyresö'
    }),
    county_code: CountyCode,
    county_name: FreeText({ maxLength: 100, description: "The county's name.", example: 'Stockholms län' }),
    organisation_number: Nullable(
      Type.String({
        maxLength: 11,
        pattern: '^[0-9]{6}-[0-9]{4}$',
        description:
          "The municipality's organisation number (organisationsnummer, Skatteverket's), check digit valid: its " +
          'e-invoices go to Peppol participant `0007:` and its ten digits. `null` for one added without it.',
        example: '212000-0092'
      })
    )
  },
  { $id: 'Municipality', additionalProperties: false, description: 'A Swedish municipality (kommun), as coded by SCB.' }
)
export type Municipality = Static<typeof Municipality>

export const PopulationFigure = Type.Object(
  {
    reference_date: { ...IsoDate, description: 'The date the population was counted on (SCB reference date).' },
    population: Int32({ minimum: 0, description: 'Inhabitants on the reference date (folkmängd).', example: 48004 })
  },
  {
    $id: 'PopulationFigure',
    additionalProperties: false,
    description: "A municipality's population on one reference date. Source: Statistics Sweden (SCB), CC BY 4.0."
  }
)
export type PopulationFigure = Static<typeof PopulationFigure>

export const MunicipalityDetail = Type.Object(
  {
    ...Municipality.properties,
    population_figures: Type.Array(ref(PopulationFigure), {
      maxItems: 10_000,
      description: 'Every population figure held, oldest first.'
    })
  },
  { $id: 'MunicipalityDetail', additionalProperties: false, description: 'A municipality with its population figures.' }
)

export const MunicipalityPage = Page(ref(Municipality), 'MunicipalityPage')

export const MunicipalityListQuery = Type.Object(
  {
    county: Type.Optional({ ...CountyCode, description: 'Only municipalities in this county (länskod).' }),
    name: Type.Optional(
      FreeText({
        minLength: 1,
        maxLength: 100,
        description: 'Only municipalities whose name contains this text, ignoring case.',
        example: 'tyr'
      })
    ),
    ...PageQuery,
    ...FormatQuery
  },
  { additionalProperties: false }
)

export const MunicipalityParams = Type.Object({ code: MunicipalityCode }, { additionalProperties: false })

export const PopulationQuery = Type.Object({ ...FormatQuery }, { additionalProperties: false })

export const MunicipalityPopulation = Type.Object(
  {
    municipality_code: MunicipalityCode,
    items: Type.Array(ref(PopulationFigure), { maxItems: 10_000, description: 'Oldest first.' })
  },
  { $id: 'MunicipalityPopulation', additionalProperties: false, description: "A municipality's population figures." }
)
