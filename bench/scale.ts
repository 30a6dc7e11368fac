import pg from 'pg'

export const SCALE = { municipalities: 10_000, decisions: 1_000_000 }

/**
 * Grows the seeded database to every 4-digit code (10,000 municipalities in 100 counties, the real ones among them)
 * and 1,000,000 decisions on the period, about 100 per municipality received through 2019, in SQL because the API
 * would take an hour to record them. The synthetic rows pass the same constraints as recorded ones.
 */
export async function grow(url: string, periodId: number): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const {
      rows: [registrar]
    } = await client.query("SELECT id FROM api_keys WHERE name = 'bench-registrar'")
    const {
      rows: [{ count }]
    } = await client.query('SELECT count(*)::int AS count FROM decisions')
    await client.query(`INSERT INTO counties (code, name)
      SELECT lpad(n::text, 2, '0'), 'Syntetiskt län ' || lpad(n::text, 2, '0') FROM generate_series(0, 99) n
      ON CONFLICT DO NOTHING`)
    await client.query(
      `INSERT INTO municipalities (code, name, county_code)
      SELECT lpad(n::text, 4, '0'), 'Syntetisk kommun ' || lpad(n::text, 4, '0'), lpad((n / 100)::text, 2, '0')
      FROM generate_series(0, $1 - 1) n
      ON CONFLICT DO NOTHING`,
      [SCALE.municipalities]
    )
    // Every reference date the real municipalities have a figure for, so every report finds a population.
    await client.query(`INSERT INTO population_figures (municipality_code, reference_date, population)
      SELECT m.code, d.reference_date, 5000 + (m.code::int * 37) % 100000
      FROM municipalities m CROSS JOIN (SELECT DISTINCT reference_date FROM population_figures) d
      ON CONFLICT DO NOTHING`)
    await client.query(
      `INSERT INTO decisions (period_id, municipality_code, outcome, decided_on, decided_by, received_on, first_year, recorded_by_api_key_id)
      SELECT $1, lpad((n % $3)::text, 4, '0'), CASE WHEN n % 3 = 0 THEN 'declined' ELSE 'adopted' END,
        day, 'Kommunfullmäktige', day, CASE WHEN n % 3 = 0 THEN NULL ELSE 2020 END, $2
      FROM generate_series(1, $4) n, LATERAL (SELECT date '2019-01-01' + (n / $3 * 3) % 365 AS day) d`,
      [periodId, registrar.id, SCALE.municipalities, SCALE.decisions - count]
    )
    await client.query('ANALYZE')
  } finally {
    await client.end()
  }
}
