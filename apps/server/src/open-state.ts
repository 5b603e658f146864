import path from 'node:path'
import type { AppContext } from '@mintmark/app'
import { type SearchState, createSearchIndex, toSearchState } from './search/search-index.js'
import { type ServerState, openServerDb, serverDbPath, toServerState } from './server-db.js'

// Where the server keeps its own state, by the home's database: files next to index.sqlite, or
// tables in the shared PostgreSQL database (on the log store's pool), so every node sees the same
// API keys, idempotency records and search index. PostgreSQL code loads only when used.

/** API keys and idempotency records: `<home>/server.sqlite`, or the home's PostgreSQL database. */
export async function openServerState(app: Pick<AppContext, 'home' | 'pool'>): Promise<ServerState> {
  if (!app.pool) return toServerState(openServerDb(serverDbPath(app.home)))
  const { createPostgresServerState } = await import('./state/postgres-server-state.js')
  return createPostgresServerState(app.pool)
}

/** The search index: `<home>/search.sqlite` (derived, rebuilt from the log if lost), or the home's PostgreSQL database. */
export async function openSearchState(app: Pick<AppContext, 'home' | 'pool'>): Promise<SearchState> {
  if (!app.pool) return toSearchState(createSearchIndex({ path: path.join(app.home, 'search.sqlite') }))
  const { createPostgresSearchState } = await import('./search/postgres-search.js')
  return createPostgresSearchState(app.pool)
}
