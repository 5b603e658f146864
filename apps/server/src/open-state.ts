import path from 'node:path'
import { type AppContext, homePaths, openApp, readConfig, resolveDatabaseConfig } from '@mintmark/app'
import { type AgentState, openAgentStore, toAgentState } from './mcp/agents.js'
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

/** Agents' records, policies and spend: `<home>/agents.sqlite`, or the home's PostgreSQL database (reservations atomic across nodes). */
export async function openAgentState(app: Pick<AppContext, 'home' | 'pool'>): Promise<AgentState> {
  if (!app.pool) return toAgentState(openAgentStore(app.home))
  const { createPostgresAgentState } = await import('./state/postgres-agent-state.js')
  return createPostgresAgentState(app.pool)
}

/**
 * Runs `fn` on a home's agent state outside a server (the CLI's agent commands): the SQLite file
 * directly, or on PostgreSQL through the home's database (never a local file instead).
 */
export async function withHomeAgentState<T>(home: string, fn: (agents: AgentState) => Promise<T>): Promise<T> {
  const config = await readConfig(homePaths(home).config)
  const app = resolveDatabaseConfig(config.database, process.env).type === 'sqlite' ? undefined : await openApp({ home })
  try {
    const agents = await openAgentState(app ?? { home, pool: undefined })
    try {
      return await fn(agents)
    } finally {
      await agents.close()
    }
  } finally {
    await app?.close()
  }
}
