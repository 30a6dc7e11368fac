// The peer: Platformatic DB's auto-generated REST API over the benchmark's database, as a team would stand it up
// instead of writing a service. Started by bench/run.ts: `node server.js <connection string> <port>`.
import { create } from '@platformatic/db'

const [connectionString, port] = process.argv.slice(2)
const app = await create(import.meta.dirname, {
  server: { hostname: '127.0.0.1', port: Number(port), logger: { level: 'warn' } },
  // Lists as long as the service's own (290 municipalities, one decision each); GraphQL is not what partners use.
  db: { connectionString, graphql: false, openapi: true, limit: { default: 10, max: 1000 } }
})
console.log(await app.start({ listen: true }))
