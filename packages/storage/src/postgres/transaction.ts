import type pg from 'pg'

/**
 * Runs `fn` in a transaction on a pooled client: COMMIT when it resolves, ROLLBACK when it throws.
 * A client whose rollback fails (its connection broke) is destroyed, not returned to the pool.
 * When COMMIT itself fails the outcome is unknown: callers acknowledge nothing, and retries are
 * safe because every write here is idempotent.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, opened: pg.QueryResult[]) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  // While checked out, a pooled client has no 'error' listener of the pool's: a connection that
  // dies between two queries (the server crashed or restarted) would emit 'error' unheard and
  // crash the process. Remember it instead; the client is then destroyed on release.
  const onError = (e: Error): void => {
    broken ??= e
  }
  client.on('error', onError)
  try {
    // `begin` may carry more statements after BEGIN (SET LOCAL, a first read without
    // parameters), sent as one simple query: one round trip. `fn` gets their results.
    const opened = (await client.query(begin)) as unknown as pg.QueryResult | pg.QueryResult[]
    const out = await fn(client, Array.isArray(opened) ? opened : [opened])
    await client.query('COMMIT')
    return out
  } catch (error) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e
    })
    throw error
  } finally {
    client.off('error', onError)
    client.release(broken)
  }
}
