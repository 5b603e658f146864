import { createHash } from 'node:crypto'
import { type AppContext, showAsset } from '@mintmark/app'

/**
 * The cache behind GET /v1/assets/{cid}, the hottest route (issue 4: 5,000 req/s): per asset, the
 * record, its JSON bytes and their ETag, so a hit costs one `store.size()` and a socket write.
 *
 * Why a hit is never stale:
 * - The log is append-only, and a record is a function of the log: every claim, lineage edge,
 *   fingerprint and the tree size it reports change only when the log grows. An entry keeps the
 *   log size it was built at (read *before* the record, so the record is never older than its
 *   key) and is used only while the log still has that size. Appends made by another process on
 *   the same home are seen too: the size is read from the store on every request.
 * - The one part that changes without the log growing is the checkpoint covering the first claim
 *   (null until the checkpointer signs one): while it is null it is looked up on each use.
 *   (Fingerprints rewritten by `reindexFingerprints`, a maintenance run, show after the next
 *   append, as they did with the per-log-size cache this replaces.)
 * - `contentStored`: blobs are never deleted (ADR 0005), so `true` is kept; `false` is asked
 *   again in the background once `negativeTtlMs` passed (a blob stored without a new claim, e.g.
 *   by another process, shows within that time plus one `blobs.has`).
 * Bounded: at most `maxEntries` records and `maxBytes` of JSON; the least recently used go first.
 */
export type AssetView = {
  record: Awaited<ReturnType<typeof showAsset>>
  contentStored: boolean
  /** The JSON the route answers: `{...record, contentStored}`. */
  body: Buffer
  /** Strong ETag of `body` (quoted). */
  etag: string
}

type Slot = AssetView & { size: number; checkedAt: number }

export type AssetCache = ReturnType<typeof createAssetCache>

export function createAssetCache(app: AppContext, options: { maxEntries?: number; maxBytes?: number; negativeTtlMs?: number; now?: () => number } = {}) {
  const maxEntries = options.maxEntries ?? 10_000
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024
  const negativeTtlMs = options.negativeTtlMs ?? 5000
  const now = options.now ?? Date.now
  const slots = new Map<string, Slot>()
  let bytes = 0

  function put(cid: string, slot: Slot): Slot {
    drop(cid)
    slots.set(cid, slot)
    bytes += slot.body.length
    for (const [k, s] of slots) {
      if (slots.size <= maxEntries && bytes <= maxBytes) break
      if (s === slot) continue
      drop(k)
    }
    return slot
  }

  function drop(cid: string): void {
    const s = slots.get(cid)
    if (!s) return
    bytes -= s.body.length
    slots.delete(cid)
  }

  function view(size: number, record: Slot['record'], contentStored: boolean, checkedAt: number): Slot {
    const body = Buffer.from(JSON.stringify({ ...record, contentStored }))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
    return { record, contentStored, body, etag, size, checkedAt }
  }

  /** Asks the blob store again, in the background; the answer replaces the slot if it is still current. */
  function recheckContent(cid: string, s: Slot): void {
    s.checkedAt = now()
    app.blobs.has(s.record.asset.cid).then(
      (stored) => {
        if (stored && slots.get(cid) === s) put(cid, view(s.size, s.record, true, s.checkedAt))
      },
      () => {},
    )
  }

  /** The record with the checkpoint covering its first claim, when it had none and one was signed since. */
  function withCheckpoint(record: Slot['record'], covering: (index: number) => { size: number } | undefined): Slot['record'] {
    const first = record.claims[0]
    if (record.log.checkpointSize !== null || !first) return record
    const c = covering(first.logIndex)
    return c ? { ...record, log: { ...record.log, checkpointSize: c.size } } : record
  }

  /** A slot still current at this log size, used again (with a checkpoint found since, if any). */
  function reuse(cid: string, s: Slot, record: Slot['record']): Slot {
    if (!s.contentStored && now() - s.checkedAt >= negativeTtlMs) recheckContent(cid, s)
    if (record !== s.record) return put(cid, view(s.size, record, s.contentStored, s.checkedAt))
    // Most recently used last: re-inserting keeps the Map in LRU order.
    slots.delete(cid)
    slots.set(cid, s)
    return s
  }

  return {
    /**
     * A fresh cached view, synchronously, or undefined (then call `get`). `cid` is the raw path
     * segment. Only on the embedded SQLite store, whose reads are synchronous; on PostgreSQL
     * every answer goes through `get`.
     */
    peek(cid: string): AssetView | undefined {
      const sqlite = app.sqlite
      const s = slots.get(cid)
      if (!sqlite || !s || s.size !== sqlite.size()) return undefined
      return reuse(cid, s, withCheckpoint(s.record, (i) => sqlite.checkpointCovering(i)))
    },
    /** The view of an asset, built when missing or stale. @throws `CID_INVALID`, `ASSET_NOT_FOUND`. */
    async get(cid: string): Promise<AssetView> {
      const size = await app.store.size()
      const old = slots.get(cid)
      if (old && old.size === size) {
        const first = old.record.claims[0]
        const covering = old.record.log.checkpointSize === null && first ? await app.store.checkpointCovering(first.logIndex) : undefined
        return reuse(cid, old, withCheckpoint(old.record, () => covering))
      }
      const record = await showAsset(app, cid)
      const checkedAt = now()
      const contentStored = old?.contentStored === true || (await app.blobs.has(record.asset.cid))
      return put(cid, view(size, record, contentStored, checkedAt))
    },
    /** Entries held and bytes of JSON (tests, metrics). */
    stats: () => ({ entries: slots.size, bytes }),
  }
}

const caches = new WeakMap<AppContext, AssetCache>()

/** The asset cache of an app context (one per open home). */
export function assetCacheFor(app: AppContext): AssetCache {
  let c = caches.get(app)
  if (!c) caches.set(app, (c = createAssetCache(app)))
  return c
}

/** If-None-Match against an ETag (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

/** The response of GET /v1/assets/{cid}: the cached JSON, or 304 when the caller holds it. */
export async function assetResponse(app: AppContext, cid: string, ifNoneMatch: string | null): Promise<Response> {
  const v = await assetCacheFor(app).get(cid)
  if (etagMatches(ifNoneMatch, v.etag)) return new Response(null, { status: 304, headers: { etag: v.etag } })
  return new Response(v.body, { status: 200, headers: { 'content-type': 'application/json', etag: v.etag } })
}
