import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type Build = ReturnType<ReturnType<typeof SerializerSelector>>

/**
 * Fastify's serializer compiler (fast-json-stringify, as by default), building one serializer per distinct response
 * schema. Fastify asks for one per route, status and media type, and most of those are the same few schemas (every
 * route's problem answers, the CSV twins' shared ones): built once each, they cost the service a fraction of the
 * memory and of the start.
 */
export function buildSerializer(...factoryArguments: Parameters<ReturnType<typeof SerializerSelector>>): Build {
  const build = SerializerSelector()(...factoryArguments)
  const built = new Map<string, ReturnType<Build>>()
  return context => {
    const key = JSON.stringify(context.schema)
    let serializer = built.get(key)
    if (serializer === undefined) {
      serializer = build(context)
      built.set(key, serializer)
    }
    return serializer
  }
}
