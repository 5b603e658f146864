import { MintmarkError } from '@mintmark/core'

/**
 * Translates a driver error into our codes at the boundary: a MintmarkError passes through; data
 * or index corruption reported by the server (XX001, XX002) is STORE_CORRUPT; everything else
 * (connection refused or lost, server shutting down, timeouts, constraint failures, serialisation
 * failures) is STORE_IO: the transaction did not commit and nothing of it is visible.
 */
export function toStoreError(cause: unknown, what: string): MintmarkError {
  if (cause instanceof MintmarkError) return cause
  const code = typeof (cause as { code?: unknown })?.code === 'string' ? (cause as { code: string }).code : ''
  if (code === 'XX001' || code === 'XX002') return new MintmarkError('STORE_CORRUPT', `The PostgreSQL store reported corrupt data while it ${what}.`, { cause, details: code })
  return new MintmarkError('STORE_IO', `The PostgreSQL store could not complete: ${what}.`, { cause, details: code || undefined })
}

/** Runs `fn`, translating any failure with {@link toStoreError}. */
export async function storeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (cause) {
    throw toStoreError(cause, what)
  }
}
