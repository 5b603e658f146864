/** A named token bucket: `burst` tokens, refilled at `perSecond`. */
export type BucketConfig = { burst: number; perSecond: number }

export const defaultBuckets = {
  /** Cheap reads (asset records, bundles, proofs, checkpoints). */
  read: { burst: 600, perSecond: 300 },
  /** Content downloads and lineage walks. */
  heavyRead: { burst: 120, perSecond: 60 },
  search: { burst: 120, perSecond: 60 },
  verify: { burst: 60, perSecond: 30 },
  write: { burst: 60, perSecond: 30 },
  /** Health, metrics and the API description. */
  meta: { burst: 120, perSecond: 60 },
} as const satisfies Record<string, BucketConfig>

export type BucketName = keyof typeof defaultBuckets

/**
 * Token buckets per (bucket, principal): a principal is an API key's principal, a signer's DID, or
 * the client address for anonymous calls. No bucket is shared between principals.
 */
export function createRateLimiter(buckets: Record<BucketName, BucketConfig>, options: { maxKeys?: number } = {}) {
  const state = new Map<string, { tokens: number; at: number }>()
  const maxKeys = options.maxKeys ?? 100_000
  return {
    /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
    take(bucket: BucketName, principal: string, nowMs: number): number {
      const cfg = buckets[bucket]
      const key = `${bucket}\u0000${principal}`
      let s = state.get(key)
      if (!s) {
        if (state.size >= maxKeys) sweep(nowMs)
        s = { tokens: cfg.burst, at: nowMs }
        state.set(key, s)
      } else {
        s.tokens = Math.min(cfg.burst, s.tokens + ((nowMs - s.at) / 1000) * cfg.perSecond)
        s.at = nowMs
      }
      if (s.tokens >= 1) {
        s.tokens -= 1
        return 0
      }
      return Math.max(1, Math.ceil((1 - s.tokens) / cfg.perSecond))
    },
  }
  /** Drops buckets that are full again (idle principals); they would start full anyway. */
  function sweep(nowMs: number): void {
    for (const [k, s] of state) {
      const name = k.slice(0, k.indexOf('\u0000')) as BucketName
      const cfg = buckets[name]
      if (s.tokens + ((nowMs - s.at) / 1000) * cfg.perSecond >= cfg.burst) state.delete(k)
    }
  }
}
