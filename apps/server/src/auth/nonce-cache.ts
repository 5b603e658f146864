/**
 * Seen RFC 9421 nonces per key, for the signature window. Kept in memory: instead of persisting
 * them, the server refuses signatures created before it started (see `notBefore`), so a nonce seen
 * by an earlier process can never be replayed to this one.
 */
export function createNonceCache(options: { windowSeconds: number; startedAt: number; maxEntries?: number }) {
  const seen = new Map<string, number>()
  const max = options.maxEntries ?? 1_000_000
  let lastSweep = 0
  return {
    notBefore: options.startedAt,
    /** Records (did, nonce) seen at `now`; false when it was already seen (a replay). */
    use(did: string, nonce: string, now: number): boolean {
      if (now - lastSweep > options.windowSeconds || seen.size >= max) {
        lastSweep = now
        for (const [k, t] of seen) if (t < now - 2 * options.windowSeconds) seen.delete(k)
      }
      const k = `${did} ${nonce}`
      if (seen.has(k)) return false
      seen.set(k, now)
      return true
    },
    size: () => seen.size,
  }
}
