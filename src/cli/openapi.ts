import { writeFile } from 'node:fs/promises'
import { build } from '../app.ts'
import { connect } from '../db/connection.ts'

/**
 * The contract as the running service serves it. Generating it needs no database: the change listener and the webhook
 * worker, which start with the service, fail at once on the .invalid name and are stopped with it.
 */
export async function generateContract(): Promise<string> {
  const db = connect('postgres://contract-generation.invalid/none')
  const app = await build({ db })
  await app.ready()
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`
  await app.close()
  await db.destroy()
  return text
}

if (import.meta.main) {
  const target = new URL('../../openapi/openapi.json', import.meta.url)
  await writeFile(target, await generateContract())
  console.log(`Wrote ${target.pathname}`)
}
