import { MintmarkError } from '@mintmark/core'
import { z } from 'zod'

/**
 * Where a home keeps its log and indexes: the embedded SQLite file (default) or a PostgreSQL
 * database shared by several `mintmark serve` processes (docs/deployment.md, ADR 0015). The URL
 * may carry a password: prefer `MINTMARK_DATABASE_URL` (or PGPASSWORD / ~/.pgpass) to the file.
 */
export const databaseConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sqlite') }),
  z.strictObject({ type: z.literal('postgres'), url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL') }),
])
export type DatabaseConfig = z.infer<typeof databaseConfigSchema>

/** The database in force: `MINTMARK_DATABASE_URL` (a postgres:// URL) overrides the config file's `database`. */
export function resolveDatabaseConfig(fromFile: DatabaseConfig | undefined, env: NodeJS.ProcessEnv): DatabaseConfig {
  const url = env.MINTMARK_DATABASE_URL
  if (!url) return fromFile ?? { type: 'sqlite' }
  const parsed = databaseConfigSchema.safeParse({ type: 'postgres', url })
  if (!parsed.success)
    throw new MintmarkError('CONFIG_INVALID', 'MINTMARK_DATABASE_URL is not a postgres:// URL.', { fields: ['MINTMARK_DATABASE_URL'] })
  return parsed.data
}

/** The URL without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://(unparseable URL)'
  }
}
