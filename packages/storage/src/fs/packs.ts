import { randomBytes } from 'node:crypto'
import { fdatasync as fsFdatasync, closeSync, constants, mkdirSync, openSync, promises as fsp, writevSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { type ContentId, MintmarkError } from '@mintmark/core'

/** Where a packed blob's bytes live. */
export type PackLocation = { pack: string; offset: number; length: number }

/** Packs roll over at this size; a pack is never rewritten, only appended to by one process. */
const maxPackBytes = 1 << 30
const recordMagic = Buffer.from('MMB1')

/**
 * Small blobs appended to pack files, with an index of where each one is.
 *
 * Why: a file per blob costs an fsync per blob (and a directory fsync per shard), which caps a
 * durable bulk ingest of 64 KiB files at about 1,000/s on this class of machine; appending a
 * group's blobs to one file costs one fsync per group. Order on flush(): the pack is fsynced
 * first, then the index rows commit (SQLite, WAL, synchronous=FULL). A crash in between leaves
 * unreferenced bytes at the pack's tail, never an index row pointing at missing bytes.
 *
 * Each process appends to a pack of its own (created on first use, random name, O_EXCL), so two
 * writers never interleave in one file; the index is shared through SQLite's locking. Every
 * record carries a header (magic, CID, length) so a pack can be re-indexed by scanning it.
 */
export function createPacks(dir: string) {
  let db: Database.Database | undefined
  let q: { get: Database.Statement; insert: Database.Statement; all: Database.Statement } | undefined
  function index() {
    if (db && q) return q
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      db = new Database(path.join(dir, 'index.sqlite'))
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('busy_timeout = 5000')
      db.exec('CREATE TABLE IF NOT EXISTS packed (cid TEXT PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID')
    } catch (cause) {
      throw new MintmarkError('STORE_IO', `Could not open the pack index in ${dir}.`, { cause })
    }
    q = {
      get: db.prepare('SELECT pack, offset, length FROM packed WHERE cid = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO packed (cid, pack, offset, length) VALUES (?, ?, ?, ?)'),
      all: db.prepare('SELECT cid FROM packed ORDER BY cid').pluck(),
    }
    return q
  }

  // The pack this process appends to, and the records written to it but not yet durable.
  // Appends are synchronous writes into the page cache (tens of microseconds for a small blob);
  // an async write would cost a thread-pool round trip per blob, several times more on small VMs.
  // Durability comes from the one fsync per group in flush().
  let current: { name: string; fd: number; size: number; linked: boolean } | undefined
  const pending = new Map<string, PackLocation>()

  function writable(extra: number): NonNullable<typeof current> {
    if (current && current.size + extra <= maxPackBytes) return current
    // Roll over: the old pack's pending records are fsynced by flush() before it is closed.
    if (current) retired.push(current)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const name = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}.pack`
    current = { name, fd: openSync(path.join(dir, name), constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600), size: 0, linked: false }
    return current
  }
  const retired: NonNullable<typeof current>[] = []

  /** Appends a blob (not durable until flush()). Returns false when the CID is already stored or pending. */
  function append(cid: ContentId, bytes: Uint8Array): boolean {
    if (pending.has(cid) || locate(cid)) return false
    const cidBytes = Buffer.from(cid, 'ascii')
    const header = Buffer.alloc(recordMagic.length + 2 + cidBytes.length + 8)
    recordMagic.copy(header, 0)
    header.writeUInt16BE(cidBytes.length, 4)
    cidBytes.copy(header, 6)
    header.writeBigUInt64BE(BigInt(bytes.length), 6 + cidBytes.length)
    const pack = writable(header.length + bytes.length)
    const at = pack.size
    const total = header.length + bytes.length
    if (writevSync(pack.fd, [header, bytes], at) !== total) throw new MintmarkError('STORE_IO', `Short write to pack ${pack.name}.`)
    pack.size += total
    pending.set(cid, { pack: pack.name, offset: at + header.length, length: bytes.length })
    return true
  }

  /** Makes every pending record durable: fsync the packs, then commit their index rows. */
  async function flush(): Promise<void> {
    if (!pending.size) return
    const records = [...pending.entries()]
    const packs = [...retired.splice(0), ...(current ? [current] : [])]
    await Promise.all(packs.map((p) => fdatasync(p.fd)))
    // A new pack's directory entry must be durable too, once.
    if (packs.some((p) => !p.linked)) {
      const dirFd = openSync(dir, 'r')
      try {
        await fdatasync(dirFd)
      } finally {
        closeSync(dirFd)
      }
      for (const p of packs) p.linked = true
    }
    for (const p of packs) if (p !== current) closeSync(p.fd)
    const { insert } = index()
    ;(db as Database.Database).transaction(() => {
      for (const [cid, r] of records) insert.run(cid, r.pack, r.offset, r.length)
    })()
    for (const [cid] of records) pending.delete(cid)
  }

  /** The durable location of a packed blob, or undefined. */
  function locate(cid: string): PackLocation | undefined {
    return index().get.get(cid) as PackLocation | undefined
  }

  /** Reads a packed blob's bytes (durable, or pending in this process). Undefined when not packed. */
  async function read(cid: string): Promise<Uint8Array | undefined> {
    const loc = pending.get(cid) ?? locate(cid)
    if (!loc) return undefined
    const fh = await fsp.open(path.join(dir, path.basename(loc.pack)), 'r')
    try {
      const buf = Buffer.allocUnsafe(loc.length)
      const { bytesRead } = await fh.read(buf, 0, loc.length, loc.offset)
      return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead)
    } finally {
      await fh.close()
    }
  }

  return {
    append,
    flush,
    read,
    has: (cid: string): boolean => pending.has(cid) || locate(cid) !== undefined,
    list: (): string[] => index().all.all() as string[],
    /** Releases the pack files and the index. Records not flushed were never acknowledged: they are dropped. */
    close(): void {
      for (const p of [...retired.splice(0), ...(current ? [current] : [])]) closeSync(p.fd)
      current = undefined
      pending.clear()
      db?.close()
      db = undefined
      q = undefined
    },
  }
}

const fdatasync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => {
    fsFdatasync(fd, (error) => (error ? reject(error) : resolve()))
  })
