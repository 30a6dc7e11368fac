/**
 * The ceiling: what this machine serves when an answer costs nothing. A bare Fastify that returns each scenario's
 * own response body, precomputed in memory, with its ETag and a 304 for a matching If-None-Match, as the service
 * does. `node bench/ceiling.ts <port> <bodies.json>`; prints "ready" once listening.
 */
import { readFile } from 'node:fs/promises'
import Fastify from 'fastify'

export interface CeilingBody {
  path: string
  contentType: string
  etag: string
  base64: string
}

const [port, bodiesFile] = process.argv.slice(2)
const bodies = JSON.parse(await readFile(bodiesFile!, 'utf8')) as CeilingBody[]
const app = Fastify()
for (const { path, contentType, etag, base64 } of bodies) {
  const body = Buffer.from(base64, 'base64')
  app.get(path, (request, reply) => {
    reply.header('etag', etag)
    if (request.headers['if-none-match'] === etag) return reply.code(304).send()
    return reply.type(contentType).send(body)
  })
}
await app.listen({ port: Number(port), host: '127.0.0.1' })
console.log('ready')
