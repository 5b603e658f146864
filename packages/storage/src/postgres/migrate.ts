import { MintmarkError } from '@mintmark/core'
import type pg from 'pg'
import { storeCall } from './errors.js'
import { postgresMigrations } from './migrations.js'
import { inTransaction } from './transaction.js'

/** Advisory lock keys (two-int form): a namespace for Mintmark, then what the lock guards. */
export const lockNamespace = 0x4d4d4b31 // 'MMK1'
export const migrationLockKey = 1
export const sequencerLockKey = 2

/**
 * Brings the database to the newest schema: creates `schema_migrations` if needed and applies
 * each missing migration, all in one transaction under a transaction-level advisory lock, so any
 * number of processes may start at once. Returns the schema version. Throws STORE_CORRUPT when
 * the database has a newer schema than this Mintmark knows.
 */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const latest = postgresMigrations.at(-1)?.version ?? 0
  return storeCall('migrate the schema', async () => {
    return inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [lockNamespace, migrationLockKey])
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      )
      const current = Number((await client.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0].v)
      if (current > latest)
        throw new MintmarkError('STORE_CORRUPT', `The database's schema version ${current} is newer than this Mintmark supports (${latest}).`)
      for (const m of postgresMigrations) {
        if (m.version <= current) continue
        await client.query(m.sql)
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      }
      return latest
    })
  })
}

export const componentMigrationLockKey = 3

/** A numbered migration of a component that keeps its own tables next to the log's. */
export type ComponentMigration = { version: number; name: string; sql: string }

/**
 * Brings one component's tables (the server's API keys, the agents' ledger, the search index…)
 * to its newest schema, like {@link migratePostgres} does for the log: numbered migrations applied
 * once, in order, in one transaction under an advisory lock, recorded per component in
 * `component_migrations`. Returns the component's schema version; STORE_CORRUPT when the database
 * holds a newer version than `migrations` know, STORE_IO when it cannot be reached.
 */
export async function migratePostgresComponent(pool: pg.Pool, component: string, migrations: readonly ComponentMigration[]): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0
  return storeCall(`migrate the ${component} schema`, () =>
    inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [lockNamespace, componentMigrationLockKey])
      await client.query(
        `CREATE TABLE IF NOT EXISTS component_migrations (
           component text NOT NULL, version integer NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (component, version))`,
      )
      const current = Number((await client.query('SELECT COALESCE(MAX(version), 0) AS v FROM component_migrations WHERE component = $1', [component])).rows[0].v)
      if (current > latest)
        throw new MintmarkError('STORE_CORRUPT', `The database's ${component} schema version ${current} is newer than this Mintmark supports (${latest}).`)
      for (const m of migrations) {
        if (m.version <= current) continue
        await client.query(m.sql)
        await client.query('INSERT INTO component_migrations (component, version, name) VALUES ($1, $2, $3)', [component, m.version, m.name])
      }
      return latest
    }),
  )
}
