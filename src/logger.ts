import pino, { type DestinationStream } from 'pino'

/**
 * The service's log: JSON lines with the request id of each request's lines (Fastify's reqId), and never a
 * credential: the Authorization header and anything named like a token or password are censored wherever they appear.
 */
export function createLogger(level: string, destination?: DestinationStream) {
  return pino(
    {
      level,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.password', 'token', 'password'],
        censor: '[redacted]'
      }
    },
    destination
  )
}
