import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { maxRowsOf, tooManyRows } from '../http/import-rows.ts'
import { problem } from './problems.ts'

/** No body of this API nests deeper than a few levels; a deeper one is an attack on the stack, refused unread. */
export const MAX_JSON_DEPTH = 32
/** No object of this API has more than a few dozen fields; a body with thousands in one object is refused unread. */
export const MAX_JSON_FIELDS = 1000

interface Container {
  keys?: Set<string>
  expectingKey: boolean
}

/**
 * What a JSON text holds, read without parsing it: how deep its arrays and objects nest, how many items its outermost
 * array holds, and a name given twice in one object (which of the two counts is up to each parser, RFC 8259 §4, so a
 * proxy and this service could read two different requests from one body). Brackets, commas and colons inside
 * strings do not count. It stops at the first object deeper than MAX_JSON_DEPTH or with more than MAX_JSON_FIELDS
 * fields, so its own memory stays small whatever the body.
 */
export function shapeOf(text: string): {
  depth: number
  topLevelItems: number
  repeatedName?: string
  tooManyFields?: boolean
} {
  const open: Container[] = []
  let deepest = 0
  let separators = 0
  let empty = true
  const listAtTop = text.trimStart().startsWith('[')
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    const top = open.at(-1)
    if (open.length === 1 && empty && char !== ' ' && char !== '\n' && char !== '\r' && char !== '\t' && char !== ']')
      empty = false
    if (char === '"') {
      const start = i
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      if (top?.keys !== undefined && top.expectingKey) {
        const raw = text.slice(start + 1, i)
        let name = raw
        try {
          if (raw.includes('\\')) name = JSON.parse(`"${raw}"`) as string
        } catch {
          /* malformed: JSON.parse will say so */
        }
        if (top.keys.has(name)) return { depth: deepest, topLevelItems: 0, repeatedName: name }
        if (top.keys.size >= MAX_JSON_FIELDS) return { depth: deepest, topLevelItems: 0, tooManyFields: true }
        top.keys.add(name)
        top.expectingKey = false
      }
    } else if (char === '{' || char === '[') {
      open.push(char === '{' ? { keys: new Set(), expectingKey: true } : { expectingKey: false })
      deepest = Math.max(deepest, open.length)
      if (deepest > MAX_JSON_DEPTH) return { depth: deepest, topLevelItems: 0 }
    } else if (char === '}' || char === ']') {
      open.pop()
    } else if (char === ',') {
      if (top?.keys !== undefined) top.expectingKey = true
      if (open.length === 1) separators++
    }
  }
  return { depth: deepest, topLevelItems: listAtTop && !empty ? separators + 1 : 0 }
}

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), but never nested past MAX_JSON_DEPTH, never with a
 * field given twice, and a list longer than the route takes is refused before its items are parsed: a 4 MiB body can
 * hold a million empty rows.
 */
export default fp(
  async function jsonBody(app: FastifyInstance) {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string
      const { depth, topLevelItems, repeatedName, tooManyFields } = shapeOf(text)
      if (depth > MAX_JSON_DEPTH)
        return done(
          problem(400, `The body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`),
          undefined
        )
      if (tooManyFields === true)
        return done(problem(400, `An object in the body has more than ${MAX_JSON_FIELDS} fields.`), undefined)
      if (repeatedName !== undefined) {
        return done(
          problem(
            400,
            'The body gives one field twice in an object; which would count is not defined, so neither does.',
            {
              errors: [
                {
                  pointer: '',
                  detail: `gives the field ${JSON.stringify(repeatedName.slice(0, 100))} twice in one object`
                }
              ]
            }
          ),
          undefined
        )
      }
      const maxRows = maxRowsOf(request)
      if (maxRows !== undefined && topLevelItems > maxRows)
        return done(tooManyRows(maxRows, `has ${topLevelItems}`), undefined)
      try {
        done(
          null,
          text === ''
            ? undefined
            : secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
        )
      } catch {
        done(problem(400, 'The body is not valid JSON.'), undefined)
      }
    })
  },
  { name: 'json-body' }
)
