import Type, { type Static } from 'typebox'
import { FreeText, Int32, Nullable, ref, Timestamp } from './common.ts'

export const RegisterCode = Type.String({
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  maxLength: 40,
  description: "The quality register's code in this service: lower-case ASCII words joined by hyphens.",
  example: 'senior-alert'
})

export const RegisterName = FreeText({
  minLength: 1,
  maxLength: 200,
  description: "The register's name, in Swedish.",
  example: 'Senior alert'
})

export const Payee = Type.Object(
  {
    name: FreeText({
      minLength: 1,
      maxLength: 200,
      description: 'Who receives the money: the organisation that runs the register.',
      example: 'Region Jönköpings län'
    }),
    organisation_number: Type.String({
      maxLength: 11,
      pattern: '^[0-9]{6}-[0-9]{4}$',
      description: "The payee's Swedish organisation number (organisationsnummer).",
      example: '232100-0057'
    }),
    bankgiro: Nullable(
      Type.String({
        maxLength: 9,
        pattern: '^[0-9]{3,4}-[0-9]{4}$',
        description: 'The bankgiro number to pay into, if any.',
        example: '5050-1055'
      })
    ),
    plusgiro: Nullable(
      Type.String({
        maxLength: 9,
        pattern: '^[0-9]{1,7}-[0-9]$',
        description: 'The plusgiro number to pay into, if any.',
        example: null
      })
    )
  },
  {
    $id: 'Payee',
    additionalProperties: false,
    description: "Where a register's payouts go: at least one of `bankgiro` and `plusgiro`."
  }
)
export type Payee = Static<typeof Payee>

const registerFields = {
  name: RegisterName,
  short_name: FreeText({
    minLength: 1,
    maxLength: 100,
    description: 'The name the register goes by; unique.',
    example: 'BPSD'
  }),
  organisation: Nullable(
    FreeText({
      minLength: 1,
      maxLength: 200,
      description: 'The organisation that runs the register; `null` when not recorded.',
      example: 'Region Skåne'
    })
  ),
  payee: Nullable(ref(Payee)),
  notes: Nullable(
    FreeText({ minLength: 1, maxLength: 2000, description: 'Sources and caveats, in English.', example: null })
  )
}

export const QualityRegister = Type.Object(
  {
    code: RegisterCode,
    ...registerFields,
    version: Int32({ minimum: 1, description: 'Raised by every update; the `ETag` carries it.', example: 1 }),
    created_at: Timestamp,
    updated_at: Timestamp
  },
  {
    $id: 'QualityRegister',
    additionalProperties: false,
    description:
      'A national quality register (kvalitetsregister) that municipalities use and that the register budget line ' +
      'pays. ' +
      'Its payouts are approved and paid only once its payee details are known.'
  }
)
export type QualityRegister = Static<typeof QualityRegister>

export const QualityRegisterInput = Type.Object(
  {
    name: registerFields.name,
    short_name: registerFields.short_name,
    organisation: Type.Optional(registerFields.organisation),
    payee: Type.Optional({ ...ref(Payee), description: 'Left out when not known.' }),
    notes: Type.Optional(registerFields.notes)
  },
  {
    $id: 'QualityRegisterInput',
    additionalProperties: false,
    description: 'A quality register as an admin writes it; an update replaces it whole.',
    example: {
      name: 'Senior alert',
      short_name: 'Senior alert',
      organisation: 'Region Jönköpings län',
      payee: {
        name: 'Region Jönköpings län',
        organisation_number: '232100-0057',
        bankgiro: '5050-1055',
        plusgiro: null
      }
    }
  }
)
export type QualityRegisterInput = Static<typeof QualityRegisterInput>

export const QualityRegisterList = Type.Object(
  {
    items: Type.Array(ref(QualityRegister), { maxItems: 1000, description: 'Every register, by code.' })
  },
  { $id: 'QualityRegisterList', additionalProperties: false, description: 'The quality registers.' }
)

export const RegisterParams = Type.Object({ code: RegisterCode }, { additionalProperties: false })
