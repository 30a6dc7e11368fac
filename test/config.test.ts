import { execFile } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../src/config.ts'

t.test('configuration has safe defaults and rejects bad values together', async t => {
  const config = loadConfig({})
  t.same(
    { ...config, dataDir: config.dataDir.endsWith('/.data') },
    {
      databaseUrl: undefined,
      readReplicaUrl: undefined,
      databaseListenUrl: undefined,
      dataDir: true,
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      publicRead: false,
      rateLimitPerMinute: 600,
      corsOrigins: [],
      maxEventLoopDelayMs: 1000,
      shutdownDrainMs: 5000,
      metricsToken: undefined,
      trustProxy: false,
      allowPrivateWebhookUrls: false,
      invoicingParty: {
        name: 'Sveriges Kommuner och Regioner',
        organisation_number: '222000-0315',
        peppol_id: '0007:2220000315',
        street: 'Hornsgatan 20',
        postal_code: '118 82',
        city: 'Stockholm',
        bankgiro: null,
        vat_category: 'O',
        vat_exemption_reason: 'Ej föremål för mervärdesskatt: gemensam finansiering enligt rekommendation',
        payment_terms_days: 30
      }
    }
  )
  t.ok(Object.isFrozen(config))
  t.throws(
    () => loadConfig({ PORT: '70000', PUBLIC_READ: 'yes', RATE_LIMIT_PER_MINUTE: '-1' }),
    /PORT must be an integer[\s\S]*PUBLIC_READ must be true or false[\s\S]*RATE_LIMIT_PER_MINUTE must be a whole number/
  )
  t.equal(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute, 0, '0 switches the limit off')
  t.same(loadConfig({ CORS_ORIGINS: 'https://bi.example.se, http://localhost:5173' }).corsOrigins, [
    'https://bi.example.se',
    'http://localhost:5173'
  ])
  t.throws(
    () => loadConfig({ CORS_ORIGINS: '*', MAX_EVENT_LOOP_DELAY_MS: 'soon' }),
    /CORS_ORIGINS must list origins[\s\S]*MAX_EVENT_LOOP_DELAY_MS must be/
  )
  t.same(
    [
      loadConfig({ TRUST_PROXY: 'true' }),
      loadConfig({ TRUST_PROXY: '2' }),
      loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.4' })
    ].map(c => c.trustProxy),
    [true, 2, ['10.0.0.0/8', '192.168.1.4']],
    'TRUST_PROXY: any proxy, a number of hops, or addresses and ranges'
  )
  t.throws(() => loadConfig({ TRUST_PROXY: 'the load balancer' }), /TRUST_PROXY must be/)
})

t.test('the invoicing party is SKR unless configured; its numbers are checked at start', async t => {
  const exempt = loadConfig({
    INVOICING_PARTY_NAME: 'Exempel AB',
    INVOICING_PARTY_ORGANISATION_NUMBER: '212000-0092',
    INVOICING_PARTY_BANKGIRO: '5050-1055',
    INVOICE_VAT_CATEGORY: 'E',
    INVOICE_PAYMENT_TERMS_DAYS: '20'
  }).invoicingParty
  t.match(exempt, {
    name: 'Exempel AB',
    peppol_id: '0007:2120000092',
    bankgiro: '5050-1055',
    vat_category: 'E',
    vat_exemption_reason: 'Undantagen från skatteplikt',
    payment_terms_days: 20
  })
  t.throws(
    () =>
      loadConfig({
        INVOICING_PARTY_ORGANISATION_NUMBER: '222000-0316',
        INVOICING_PARTY_PEPPOL_ID: '0088:7300010000001',
        INVOICING_PARTY_BANKGIRO: 'BG 1',
        INVOICE_VAT_CATEGORY: 'S',
        INVOICE_PAYMENT_TERMS_DAYS: '-1'
      }),
    /INVOICING_PARTY_ORGANISATION_NUMBER must be an organisation number[\s\S]*INVOICING_PARTY_PEPPOL_ID must be 0007:[\s\S]*INVOICING_PARTY_BANKGIRO must be[\s\S]*INVOICE_VAT_CATEGORY must be O[\s\S]*INVOICE_PAYMENT_TERMS_DAYS must be/
  )
})

t.test(
  'a bad configuration stops the server, npm run migrate and npm run api-key with exit code 2, printing the ' +
    'problems alone (no stack trace)',
  async t => {
    for (const [script, ...args] of [
      ['src/server.ts'],
      ['src/cli/migrate.ts'],
      ['src/cli/api-key.ts', 'revoke', 'nobody']
    ]) {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(resolve => {
        const child = execFile(
          process.execPath,
          [join(import.meta.dirname, '..', script!), ...args],
          {
            env: { PATH: process.env.PATH, PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'postgres://unused.invalid/x' }
          },
          (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr })
        )
      })
      t.equal(code, 2, `${script} exits 2`)
      t.match(
        stderr,
        /^Invalid configuration:\n {2}PORT must be an integer 0-65535, got "abc"\n {2}LOG_LEVEL must be one of [^\n]*, got "loud"\n$/,
        `${script} prints the problems and nothing else`
      )
    }
  }
)
