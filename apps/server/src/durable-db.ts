import Database from 'better-sqlite3'
import { MintmarkError } from '@mintmark/core'

/**
 * Opens one of the server's own SQLite files (not derived from the log, so durable: WAL,
 * synchronous=FULL) and brings its schema up to date: `migrations[v]` takes `user_version` v to
 * v + 1, each in its own transaction. Never edit a shipped migration; append one.
 */
export function openDurableDb(file: string, what: string, migrations: readonly string[]): Database.Database {
  let db: Database.Database
  try {
    db = new Database(file)
  } catch (cause) {
    throw new MintmarkError('STORE_IO', `Could not open the ${what} database.`, { cause })
  }
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  const version = db.pragma('user_version', { simple: true }) as number
  for (let v = version; v < migrations.length; v++)
    db.transaction(() => {
      db.exec(migrations[v] as string)
      db.pragma(`user_version = ${v + 1}`)
    })()
  return db
}
