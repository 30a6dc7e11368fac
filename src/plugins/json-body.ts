import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { problem } from './problems.ts'

/** No body of this API nests deeper than a few levels; a deeper one is an attack on the stack, refused unread. */
export const MAX_JSON_DEPTH = 32

/** How deep arrays and objects nest in a JSON text, counted without parsing it (brackets inside strings do not count). */
export function nestingDepth (text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (inString) {
      if (char === '\\') i++
      else if (char === '"') inString = false
    } else if (char === '"') inString = true
    else if (char === '[' || char === '{') deepest = Math.max(deepest, ++depth)
    else if (char === ']' || char === '}') depth--
  }
  return deepest
}

/** JSON bodies as Fastify parses them (prototype poisoning refused), but never nested past MAX_JSON_DEPTH. */
export default fp(async function jsonBody (app: FastifyInstance) {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (nestingDepth(text) > MAX_JSON_DEPTH) return done(problem(400, `The body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`), undefined)
    try {
      done(null, text === '' ? undefined : secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch {
      done(problem(400, 'The body is not valid JSON.'), undefined)
    }
  })
}, { name: 'json-body' })
