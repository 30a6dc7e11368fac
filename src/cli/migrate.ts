import { loadConfig } from '../config.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { openDatabase } from '../db/open.ts'
import { loadReferenceData } from '../db/reference-data.ts'

const database = await openDatabase(loadConfig())
try {
  const applied = await migrateToLatest(database.db)
  const loaded = await loadReferenceData(database.db)
  console.log(`${database.description}: applied ${applied.length} migration(s)${applied.length ? ` (${applied.join(', ')})` : ''}; ` +
    `new reference rows: ${loaded.counties} counties, ${loaded.municipalities} municipalities, ${loaded.populationFigures} population figures.`)
} finally {
  await database.close()
}
