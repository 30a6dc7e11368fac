/**
 * Keeps the promises of released contracts. `npm run compat` compares openapi/openapi.json with every release of
 * the same major version in openapi/released/ and lists every change that could break a client built against one;
 * `npm run openapi:release` keeps the current document as openapi/released/<version>.json. A breaking change is
 * allowed only with a new major version (openapi/README.md: versioning policy), or as a documented exception.
 */
import { copyFile, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

type Schema = Record<string, any>
type Document = {
  info: { version: string }
  paths: Record<string, Record<string, Schema>>
  components?: { schemas?: Record<string, Schema> }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const
const NARROWING: Array<[keyword: string, narrower: (old: number, now: number) => boolean]> = [
  ['maxLength', (old, now) => now < old],
  ['minLength', (old, now) => now > old],
  ['maximum', (old, now) => now < old],
  ['minimum', (old, now) => now > old],
  ['maxItems', (old, now) => now < old],
  ['minItems', (old, now) => now > old]
]

/**
 * The schema whose one value is null, as OpenAPI 3.0.3 lets it be written: `enum: [null]`, with a type only if
 * `nullable` adds null to it (a typed schema without `nullable` would allow no value at all).
 */
const onlyNull = (schema: Schema) =>
  Array.isArray(schema.enum) &&
  schema.enum.length === 1 &&
  schema.enum[0] === null &&
  (schema.type === undefined || schema.nullable === true)

/**
 * A schema with its $ref followed, allOf merged and "this or null" read as nullable, as a client sees it.
 * `anyOf`/`oneOf` of a schema and the null schema (schemas/common.ts, `Nullable`) is the 3.0.3 spelling of what
 * `{ type, nullable, allOf: [schema] }` told clients before: both allow exactly the schema's values and null.
 */
function resolved(document: Document, schema: Schema | undefined): Schema {
  let current = schema ?? {}
  while (typeof current.$ref === 'string')
    current = document.components?.schemas?.[current.$ref.split('/').pop()!] ?? {}
  const alternatives: Schema[] | undefined = current.anyOf ?? current.oneOf
  if (alternatives?.length === 2 && alternatives.filter(onlyNull).length === 1) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = current
    return {
      ...resolved(
        document,
        alternatives.find(alternative => !onlyNull(alternative))
      ),
      ...rest,
      nullable: true
    }
  }
  if (!Array.isArray(current.allOf)) return current
  const { allOf, ...rest } = current
  const merged: Schema = { ...rest }
  for (const part of (allOf as Schema[]).map(part => resolved(document, part))) {
    Object.assign(
      merged,
      { ...part, ...merged },
      {
        properties: { ...part.properties, ...merged.properties },
        required: [...(part.required ?? []), ...(merged.required ?? [])]
      }
    )
  }
  return merged
}

/**
 * What a client loses between two schemas of the same place. Requests break when the server accepts less than
 * it did; responses break when the server may send what it did not promise (or stops sending what it did).
 */
function schemaChanges(
  before: Document,
  after: Document,
  oldSchema: Schema | undefined,
  newSchema: Schema | undefined,
  direction: 'request' | 'response',
  where: string,
  seen = new Set<string>()
): string[] {
  const pair = `${oldSchema?.$ref}|${newSchema?.$ref}|${direction}`
  if (oldSchema?.$ref !== undefined && seen.has(pair)) return []
  seen.add(pair)
  const old = resolved(before, oldSchema)
  const now = resolved(after, newSchema)
  const changes: string[] = []
  if (old.type !== now.type) changes.push(`${where}: type ${old.type} became ${now.type}`)
  if (old.format !== now.format) changes.push(`${where}: format ${old.format} became ${now.format}`)
  const oldValues: unknown[] = old.enum ?? []
  const newValues: unknown[] = now.enum ?? []
  if (direction === 'response') {
    if (!old.nullable && now.nullable) changes.push(`${where}: may now be null`)
    if (old.enum !== undefined && newValues.some(v => !oldValues.includes(v)))
      changes.push(`${where}: new values ${newValues.filter(v => !oldValues.includes(v)).join(', ')}`)
    for (const name of Object.keys(old.properties ?? {})) {
      if (now.properties?.[name] === undefined) changes.push(`${where}: field ${name} was removed`)
      else if (old.required?.includes(name) && !now.required?.includes(name))
        changes.push(`${where}: field ${name} is no longer always present`)
    }
  } else {
    if (old.nullable && !now.nullable) changes.push(`${where}: no longer accepts null`)
    if (now.enum !== undefined && oldValues.some(v => !newValues.includes(v)))
      changes.push(`${where}: no longer accepts ${oldValues.filter(v => !newValues.includes(v)).join(', ')}`)
    if (old.enum === undefined && now.enum !== undefined)
      changes.push(`${where}: now accepts only ${newValues.join(', ')}`)
    for (const [keyword, narrower] of NARROWING) {
      if (now[keyword] !== undefined && (old[keyword] === undefined || narrower(old[keyword], now[keyword])))
        changes.push(`${where}: ${keyword} narrowed from ${old[keyword]} to ${now[keyword]}`)
    }
    if (now.pattern !== undefined && now.pattern !== old.pattern)
      changes.push(`${where}: pattern changed to ${now.pattern}`)
    for (const name of now.required ?? [])
      if (!old.required?.includes(name)) changes.push(`${where}: field ${name} is now required`)
    for (const name of Object.keys(old.properties ?? {})) {
      if (now.properties?.[name] === undefined && now.additionalProperties === false)
        changes.push(`${where}: field ${name} is no longer accepted`)
    }
  }
  for (const [name, property] of Object.entries<Schema>(old.properties ?? {})) {
    if (now.properties?.[name] !== undefined)
      changes.push(...schemaChanges(before, after, property, now.properties[name], direction, `${where}.${name}`, seen))
  }
  if (old.items !== undefined && now.items !== undefined)
    changes.push(...schemaChanges(before, after, old.items, now.items, direction, `${where}[]`, seen))
  return changes
}

const parameterKey = (parameter: Schema) => `${parameter.in} ${String(parameter.name).toLowerCase()}`

function operationChanges(before: Document, after: Document, old: Schema, now: Schema, name: string): string[] {
  const changes: string[] = []
  if (JSON.stringify(old['x-required-scopes']) !== JSON.stringify(now['x-required-scopes']))
    changes.push(`${name}: needs scope ${now['x-required-scopes']} instead of ${old['x-required-scopes']}`)

  const oldParameters = new Map<string, Schema>((old.parameters ?? []).map((p: Schema) => [parameterKey(p), p]))
  for (const parameter of now.parameters ?? []) {
    const previous = oldParameters.get(parameterKey(parameter))
    if (previous === undefined && parameter.required) changes.push(`${name}: new required ${parameterKey(parameter)}`)
    if (previous !== undefined && parameter.required && !previous.required)
      changes.push(`${name}: ${parameterKey(parameter)} is now required`)
    if (previous !== undefined)
      changes.push(
        ...schemaChanges(
          before,
          after,
          previous.schema,
          parameter.schema,
          'request',
          `${name} ${parameterKey(parameter)}`
        )
      )
  }
  for (const key of oldParameters.keys())
    if (!(now.parameters ?? []).some((p: Schema) => parameterKey(p) === key))
      changes.push(`${name}: ${key} is no longer accepted`)

  if (now.requestBody?.required && old.requestBody === undefined) changes.push(`${name}: now requires a body`)
  for (const [type, media] of Object.entries<Schema>(old.requestBody?.content ?? {})) {
    const current = now.requestBody?.content?.[type]
    if (current === undefined) changes.push(`${name}: no longer accepts ${type} bodies`)
    else changes.push(...schemaChanges(before, after, media.schema, current.schema, 'request', `${name} body`))
  }

  for (const [status, response] of Object.entries<Schema>(old.responses ?? {})) {
    if (!/^[23]/.test(status)) continue
    const current = now.responses?.[status]
    if (current === undefined) {
      changes.push(`${name}: no longer answers ${status}`)
      continue
    }
    for (const [type, media] of Object.entries<Schema>(response.content ?? {})) {
      const currentMedia = current.content?.[type]
      if (currentMedia === undefined) changes.push(`${name} ${status}: no longer offers ${type}`)
      else
        changes.push(
          ...schemaChanges(before, after, media.schema, currentMedia.schema, 'response', `${name} ${status} ${type}`)
        )
    }
  }
  return changes
}

/** Every change from `before` to `after` that could break a client written against `before`. */
export function breakingChanges(before: Document, after: Document): string[] {
  const changes: string[] = []
  for (const [path, operations] of Object.entries(before.paths)) {
    for (const method of METHODS) {
      const old = operations[method]
      if (old === undefined) continue
      const name = `${method.toUpperCase()} ${path}`
      const now = after.paths[path]?.[method]
      if (now === undefined) changes.push(`${name}: removed`)
      else changes.push(...operationChanges(before, after, old, now, name))
    }
  }
  return changes
}

const major = (version: string) => Number(version.split('.')[0])

/**
 * A breaking change the team decided to make within a major version anyway, with its reason: kept in
 * openapi/compatibility-exceptions.json and told to partners in openapi/CHANGELOG.md.
 */
export interface Exception {
  release: string
  change: string
  reason: string
}

/**
 * Breaking changes are allowed only with a new major version, or as a documented exception. An exception that no
 * longer matches a change is a problem too, so the list stays true.
 */
export function compatibilityProblems(
  released: Document,
  current: Document,
  exceptions: readonly Exception[] = []
): string[] {
  if (major(current.info.version) > major(released.info.version)) return []
  const accepted = exceptions.filter(exception => exception.release === released.info.version)
  const changes = breakingChanges(released, current)
  return [
    ...changes.filter(change => !accepted.some(exception => exception.change === change)),
    ...accepted
      .filter(exception => !changes.includes(exception.change))
      .map(exception => `exception for ${exception.release} matches no change: ${exception.change}`)
  ]
}

const root = join(import.meta.dirname, '..')
const releasedDir = join(root, 'openapi/released')

/**
 * Every released document of the current document's major version, oldest first: a client of any of them must keep
 * working.
 */
export async function releasesOfMajor(current: Document): Promise<Document[]> {
  const versions = (await readdir(releasedDir))
    .map(file => file.replace(/\.json$/, ''))
    .filter(v => /^\d+\.\d+\.\d+$/.test(v))
    .filter(v => major(v) === major(current.info.version))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  return Promise.all(
    versions.map(async v => JSON.parse(await readFile(join(releasedDir, `${v}.json`), 'utf8')) as Document)
  )
}

export async function documentedExceptions(): Promise<Exception[]> {
  return JSON.parse(await readFile(join(root, 'openapi/compatibility-exceptions.json'), 'utf8')) as Exception[]
}

if (import.meta.main) {
  const currentPath = join(root, 'openapi/openapi.json')
  const current: Document = JSON.parse(await readFile(currentPath, 'utf8'))
  if (process.argv[2] === 'release') {
    await copyFile(currentPath, join(releasedDir, `${current.info.version}.json`))
    console.log(`Kept the contract as openapi/released/${current.info.version}.json`)
  } else {
    const releases = await releasesOfMajor(current)
    const exceptions = await documentedExceptions()
    if (releases.length === 0) console.log('No release to compare with.')
    for (const released of releases) {
      const problems = compatibilityProblems(released, current, exceptions)
      for (const problem of problems) console.error(`breaking: ${problem}`)
      const accepted = exceptions.filter(exception => exception.release === released.info.version).length
      console.log(
        `${current.info.version} against released ${released.info.version}: ${problems.length} breaking change(s)` +
          `${accepted > 0 ? `, ${accepted} documented exception(s)` : ''}${problems.length > 0 ? ': raise the major version or keep the promise' : ''}.`
      )
      if (problems.length > 0) process.exitCode = 1
    }
  }
}
