import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'
import { type AppContext, showAsset } from '@mintmark/app'

/**
 * The cache behind GET /v1/assets/{cid}, the hottest route (issue 4: 5,000 req/s): per asset, the
 * record, its JSON bytes and their ETag, so a hit costs one `pread` of the WAL index (below) and a
 * socket write.
 *
 * Why a hit is never stale:
 * - The log is append-only, and a record is a function of the log: every claim, lineage edge,
 *   fingerprint and the tree size it reports change only when the log grows. An entry keeps the
 *   log size it was built at (read *before* the record, so the record is never older than its
 *   key) and is used only while the log still has that size. Appends made by another process on
 *   the same home are seen too: on SQLite, every `peek` first asks whether *any* connection of
 *   any process committed since the size was last read (`walIndexProbe`: the WAL-index header
 *   every commit rewrites, read with one `pread`, no lock), and reads the size again when one
 *   did; on PostgreSQL (`get`) the size is read on every request.
 * - The one part that changes without the log growing is the checkpoint covering the first claim
 *   (null until the checkpointer signs one): while it is null it is looked up again after every
 *   commit (a checkpoint is one).
 *   (Fingerprints rewritten by `reindexFingerprints`, a maintenance run, show after the next
 *   append, as they did with the per-log-size cache this replaces.)
 * - `contentStored`: blobs are never deleted (ADR 0005), so `true` is kept; `false` is asked
 *   again in the background once `negativeTtlMs` passed (a blob stored without a new claim, e.g.
 *   by another process, shows within that time plus one `blobs.has`).
 * Bounded: at most `maxEntries` records and `maxBytes` of JSON; the least recently used go first
 * (approximately: a hit moves an entry to the young end once per insertion, not on every hit).
 */
export type AssetView = {
  record: Awaited<ReturnType<typeof showAsset>>
  contentStored: boolean
  /** The JSON the route answers: `{...record, contentStored}`. */
  body: Buffer
  /** Strong ETag of `body` (quoted). */
  etag: string
}

type Slot = AssetView & {
  size: number
  checkedAt: number
  /** `content-length`, as sent. */
  length: string
  /** The insertion epoch this slot was last moved to the young end in (LRU). */
  epoch: number
  /** The commit version its missing checkpoint was last looked up at (`peek`). */
  checkpointSeenAt: number
}

export type AssetCache = ReturnType<typeof createAssetCache>

export function createAssetCache(app: AppContext, options: { maxEntries?: number; maxBytes?: number; negativeTtlMs?: number; now?: () => number } = {}) {
  const maxEntries = options.maxEntries ?? 10_000
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024
  const negativeTtlMs = options.negativeTtlMs ?? 5000
  const now = options.now ?? Date.now
  const slots = new Map<string, Slot>()
  let bytes = 0
  let epoch = 0
  // `peek`: the log size as of commit version `seenVersion` (see openWalIndexProbe).
  let seenVersion = -1
  let seenSize = -1

  function put(cid: string, slot: Slot): Slot {
    drop(cid)
    slot.epoch = ++epoch
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
    return { record, contentStored, body, etag, size, checkedAt, length: String(body.length), epoch: 0, checkpointSeenAt: -1 }
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
    // Most recently used last: re-inserting keeps the Map in LRU order. Entries are evicted only
    // by `put`, so moving an entry once per insertion epoch keeps every entry used since the last
    // insertion behind every entry that was not.
    if (s.epoch !== epoch) {
      slots.delete(cid)
      slots.set(cid, s)
      s.epoch = epoch
    }
    return s
  }

  return {
    /**
     * A fresh cached view, synchronously, or undefined (then call `get`). `cid` is the raw path
     * segment. Only on the embedded SQLite store, whose reads are synchronous; on PostgreSQL
     * every answer goes through `get`.
     */
    peek(cid: string): (AssetView & { length: string }) | undefined {
      const sqlite = app.sqlite
      if (!sqlite) return undefined
      const s = slots.get(cid)
      if (!s) return undefined
      // The commit version first, then the size: the size is never older than the version.
      const version = walIndexProbeFor(app, sqlite.path).version()
      if (version !== seenVersion) {
        seenSize = sqlite.size()
        seenVersion = version
      }
      if (s.size !== seenSize) return undefined
      let record = s.record
      if (record.log.checkpointSize === null && s.checkpointSeenAt !== version) {
        record = withCheckpoint(record, sqlite.checkpointCovering)
        s.checkpointSeenAt = version
      }
      return reuse(cid, s, record)
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

/**
 * Whether a SQLite database in WAL mode had a commit, by any connection of any process, since the
 * last call: `version()` returns a number that changes when one did. It reads the WAL-index
 * header at the start of `<db>-shm` (https://www.sqlite.org/walformat.html, 2.1: two copies of a
 * 48-byte header that every commit rewrites, with a change counter, the last frame and
 * checksums; a reader of the database trusts these very bytes to find the latest commit), with
 * one `pread` and no lock. Two copies that differ (a commit being written), an uninitialised
 * header or a short read count as a change, as does every call when the file cannot be opened
 * (then callers read the store on every request, as before). Cost: ~1-2 µs against ~6 µs for a
 * `SELECT MAX(idx)` or a `PRAGMA data_version` (both open a read transaction: two `fcntl` locks).
 *
 * The `-shm` file is stable while this process holds a connection to the database (SQLite
 * deletes it only when the last connection closes). Close the probe only after every connection
 * of this process to the database is closed: closing any descriptor of a file drops the
 * process's POSIX locks on it, SQLite's included.
 */
export function openWalIndexProbe(dbPath: string): { version(): number; close(): void } {
  let fd: number | undefined
  try {
    fd = openSync(`${dbPath}-shm`, 'r')
  } catch {
    fd = undefined
  }
  let current = Buffer.alloc(96)
  let next = Buffer.alloc(96)
  let version = 0
  return {
    version(): number {
      if (fd === undefined) return ++version
      let n = 0
      try {
        n = readSync(fd, next, 0, 96, 0)
      } catch {
        n = 0
      }
      // isInit (byte 12) set, both copies equal, and the same as last time: no commit since.
      if (n === 96 && next[12] === 1 && next.compare(next, 0, 48, 48, 96) === 0 && next.equals(current)) return version
      const t = current
      current = next
      next = t
      if (n !== 96) current.fill(0)
      return ++version
    },
    close(): void {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}

const probes = new WeakMap<AppContext, ReturnType<typeof openWalIndexProbe>>()
const released = new WeakSet<AppContext>()

/** The WAL-index probe of an app context's SQLite store (opened on first use, one per context). */
function walIndexProbeFor(app: AppContext, dbPath: string): ReturnType<typeof openWalIndexProbe> {
  // Released (closed) contexts open none again: every call is a change.
  if (released.has(app)) return noProbe
  let p = probes.get(app)
  if (!p) probes.set(app, (p = openWalIndexProbe(dbPath)))
  return p
}
// Negative: never a version a real probe returned (those count up from 1).
let noProbeVersion = -1
const noProbe = { version: () => --noProbeVersion, close: () => {} }

/** Closes the app context's WAL-index probe: call after `app.close()` (see `openWalIndexProbe`). */
export function releaseAssetCache(app: AppContext): void {
  released.add(app)
  probes.get(app)?.close()
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
