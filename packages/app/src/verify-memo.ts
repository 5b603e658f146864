import { createHash } from 'node:crypto'
import { type BundleVerificationReport, type LogEntry, type VerifyBundleParameters, decodeLogEntry, verifyBundle } from '@mintmark/core'
import type { AppContext } from './open-app.js'

/**
 * Memoised steps of verifying content against a home. A server verifies the same few records
 * over and over (issue 4: 300 uploads/s), and most of a verification is the same work each time:
 * decoding the stored entry (JSON + schema), the statement's Ed25519 signature, the checkpoint's
 * signature, the inclusion proof.
 *
 * Why a hit is never stale: both steps are pure functions (no clock, no I/O), and each is keyed by
 * a SHA-256 of *all* its inputs, so equal keys mean equal results.
 * - `entry(data)`: the decoded entry, keyed by the stored bytes themselves.
 * - `verifyBundle(p)`: keyed by the entry's bytes, the inclusion proof (index, tree size, every
 *   hash), the checkpoint note, the log key, the anchors, the content's CID and SHA-256, the trusted
 *   log keys and the anchor checks. A new checkpoint, a longer proof or a new anchor is a new key.
 * What does change as the log grows (the claims on a CID, which checkpoint proves an entry) is
 * read from the store on every call, before these are asked. Results are deep-frozen: they are
 * shared between callers. Bounded: least recently used first out.
 */
export type VerifyMemo = ReturnType<typeof createVerifyMemo>

export function createVerifyMemo(options: { maxEntries?: number; maxReports?: number } = {}) {
  const entries = lru<LogEntry>(options.maxEntries ?? 4096)
  const reports = lru<BundleVerificationReport>(options.maxReports ?? 1024)
  return {
    /** `decodeLogEntry(data)`, and the bytes' SHA-256 (hex) that names them. */
    entry(data: Uint8Array): { entry: LogEntry; digest: string } {
      const digest = createHash('sha256').update(data).digest('hex')
      return { entry: entries.get(digest, () => deepFreeze(decodeLogEntry(data))), digest }
    },
    /** `verifyBundle(p)` for a bundle whose entry is the decoded `entryDigest` bytes. */
    verifyBundle(p: VerifyBundleParameters & { bundle: BundleShape }, entryDigest: string): BundleVerificationReport {
      const b = p.bundle
      const h = createHash('sha256')
      for (const part of [
        entryDigest,
        String(b.inclusion.logIndex),
        String(b.inclusion.treeSize),
        b.inclusion.hashes.join(','),
        b.checkpoint,
        b.logKey,
        JSON.stringify(b.anchors),
        p.content ? `${p.content.cid} ${p.content.sha256}` : '-',
        p.trustedLogKeys ? p.trustedLogKeys.join('\n') : '-',
        JSON.stringify(p.anchorChecks ?? null),
      ])
        h.update(part).update('\u0000')
      return reports.get(h.digest('hex'), () => deepFreeze(verifyBundle(p)))
    },
    stats: () => ({ entries: entries.size(), reports: reports.size() }),
  }
}

type BundleShape = { inclusion: { logIndex: number; treeSize: number; hashes: readonly string[] }; checkpoint: string; logKey: string; anchors: readonly unknown[] }

const memos = new WeakMap<AppContext, VerifyMemo>()

/** The memo of an app context (one per open home). */
export function verifyMemoFor(ctx: AppContext): VerifyMemo {
  let m = memos.get(ctx)
  if (!m) memos.set(ctx, (m = createVerifyMemo()))
  return m
}

function lru<T>(max: number) {
  const map = new Map<string, T>()
  return {
    get(key: string, make: () => T): T {
      const hit = map.get(key)
      if (hit !== undefined) {
        map.delete(key)
        map.set(key, hit)
        return hit
      }
      const value = make()
      map.set(key, value)
      if (map.size > max) map.delete(map.keys().next().value as string)
      return value
    },
    size: () => map.size,
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
