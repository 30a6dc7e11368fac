import { configOrExit } from '../config.ts'
import { openDatabase } from '../db/open.ts'
import { prepareDatabase } from '../db/prepare.ts'

const config = configOrExit()
const database = await openDatabase(config)
try {
  const { applied, loaded } = await prepareDatabase(database.db)
  console.log(
    `${database.description}: applied ${applied.length} migration(s)${applied.length ? ` (${applied.join(', ')})` : ''}; ` +
      `new reference rows: ${loaded.counties} counties, ${loaded.municipalities} municipalities, ${loaded.populationFigures} population figures, ${loaded.recommendationPeriods} recommendation periods, ${loaded.qualityRegisters} quality registers.`
  )
} finally {
  await database.close()
}
