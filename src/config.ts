import { resolve } from 'node:path'

export interface Config {
  /** PostgreSQL connection string; when absent an embedded PostgreSQL is started under dataDir. */
  readonly databaseUrl: string | undefined
  readonly dataDir: string
  readonly port: number
  readonly host: string
  readonly logLevel: string
  /** When true, read operations need no API key. */
  readonly publicRead: boolean
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Reads the environment once, rejecting every bad value together so a misconfigured deployment fails at start. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = []
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be an integer 0-65535, got "${env.PORT}"`)
  const logLevel = env.LOG_LEVEL ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  const publicRead = env.PUBLIC_READ ?? 'false'
  if (!['true', 'false'].includes(publicRead)) problems.push(`PUBLIC_READ must be true or false, got "${publicRead}"`)
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`)

  return Object.freeze({
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel,
    publicRead: publicRead === 'true'
  })
}
