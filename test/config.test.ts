import t from 'tap'
import { loadConfig } from '../src/config.ts'

t.test('configuration has safe defaults and rejects bad values together', async (t) => {
  const config = loadConfig({})
  t.same({ ...config, dataDir: config.dataDir.endsWith('/.data') }, {
    databaseUrl: undefined, readReplicaUrl: undefined, dataDir: true, port: 3000, host: '127.0.0.1', logLevel: 'info', publicRead: false, rateLimitPerMinute: 600, corsOrigins: [], maxEventLoopDelayMs: 1000, shutdownDrainMs: 5000, metricsToken: undefined
  })
  t.ok(Object.isFrozen(config))
  t.throws(() => loadConfig({ PORT: '70000', PUBLIC_READ: 'yes', RATE_LIMIT_PER_MINUTE: '-1' }), /PORT must be an integer[\s\S]*PUBLIC_READ must be true or false[\s\S]*RATE_LIMIT_PER_MINUTE must be a whole number/)
  t.equal(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute, 0, '0 switches the limit off')
  t.same(loadConfig({ CORS_ORIGINS: 'https://bi.example.se, http://localhost:5173' }).corsOrigins, ['https://bi.example.se', 'http://localhost:5173'])
  t.throws(() => loadConfig({ CORS_ORIGINS: '*', MAX_EVENT_LOOP_DELAY_MS: 'soon' }), /CORS_ORIGINS must list origins[\s\S]*MAX_EVENT_LOOP_DELAY_MS must be/)
})
