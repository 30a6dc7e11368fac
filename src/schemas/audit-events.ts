import Type, { type Static } from 'typebox'
import {
  FormatQuery,
  FreeText,
  Id,
  Int32,
  MunicipalityCode,
  Nullable,
  Page,
  PageQuery,
  ref,
  StringEnum,
  Timestamp
} from './common.ts'

export const AuditEvent = Type.Object(
  {
    id: { ...Id, description: "The event's id, in the order the writes committed." },
    occurred_at: { ...Timestamp, description: 'When the write was made.' },
    api_key_id: { ...Id, description: 'The key that made it.' },
    api_key_name: FreeText({ maxLength: 100, description: "That key's name.", example: 'finance-system' }),
    municipality_code: Nullable({ ...MunicipalityCode, description: 'The municipality the key is bound to, if any.' }),
    request_id: Type.String({
      maxLength: 64,
      pattern: '^[\\w.-]{1,64}$',
      description: 'The request id, as in the logs and the `X-Request-Id` header.',
      example: '6afa8bde-38ed-4492-ba65-ad13016e88e2'
    }),
    operation_id: Type.String({
      maxLength: 100,
      pattern: '^[A-Za-z]+$',
      description: "The contract's operationId of the write.",
      example: 'planPayout'
    }),
    method: StringEnum(['POST', 'PUT', 'DELETE'], { description: 'The HTTP method.', example: 'POST' }),
    path: FreeText({
      maxLength: 2048,
      description: 'The path and query of the request.',
      example: '/v1/register-payouts'
    }),
    status: Int32({ minimum: 200, maximum: 299, description: 'The status it was answered with.', example: 201 }),
    request_sha256: Type.String({
      maxLength: 64,
      pattern: '^[0-9a-f]{64}$',
      description: 'SHA-256 of the method, URL and body: proves which request it was without keeping its content.',
      example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
    })
  },
  {
    $id: 'AuditEvent',
    additionalProperties: false,
    description: 'One write made through the API: who, when, what, and the request id.'
  }
)
export type AuditEvent = Static<typeof AuditEvent>

export const AuditEventPage = Page(ref(AuditEvent), 'AuditEventPage')

export const AuditEventQuery = Type.Object(
  {
    key_id: Type.Optional({
      ...Id,
      description: 'Only writes by the API key with this id (a key id is no secret; the token never appears).'
    }),
    operation_id: Type.Optional(
      Type.String({
        maxLength: 100,
        pattern: '^[A-Za-z]+$',
        description: 'Only this operation.',
        example: 'recordDecision'
      })
    ),
    from: Type.Optional({ ...Timestamp, description: 'Only writes at or after this moment.' }),
    to: Type.Optional({ ...Timestamp, description: 'Only writes before this moment.' }),
    ...PageQuery,
    ...FormatQuery
  },
  { additionalProperties: false }
)
export type AuditFilter = Omit<Static<typeof AuditEventQuery>, 'page' | 'limit' | 'format'>
