import { readFileSync } from 'node:fs'

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
  apiReleased: string
}

/** The API's identity, kept in package.json so a release changes one file. */
export const release = Object.freeze({
  name: 'Joint financing of knowledge management in social services',
  version: manifest.version,
  released: manifest.apiReleased
})
