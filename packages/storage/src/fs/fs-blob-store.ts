import { randomBytes } from 'node:crypto'
import { constants, existsSync, promises as fsp } from 'node:fs'
import path from 'node:path'
import { type CidProfileName, type ContentId, MintmarkError, createContentHasher, parseContentId } from '@mintmark/core'
import type { BlobStore, PutOptions, PutResult } from '../blob-store.js'
import { nodeSha256 } from './hash-file.js'
import { createPacks } from './packs.js'

export type FsBlobStoreOptions = {
  root: string
  profile?: CidProfileName
  /** Blobs up to this size are appended to pack files instead of getting a file each (default 8 MiB; 0 turns packs off). */
  packMaxBlobBytes?: number
}

// The shared types live with the BlobStore interface; re-exported here for existing importers.
export type { PutOptions, PutResult } from '../blob-store.js'

export type FsBlobStore = ReturnType<typeof createFsBlobStore>

const readSize = 1 << 20

/**
 * A content-addressed blob store on the filesystem. Large blobs get a file each: written to a
 * temporary file that is fsynced, renamed into place and made durable with a directory fsync, so
 * a blob is either whole or absent after a crash. Small blobs are appended to pack files (see
 * packs.ts: one fsync per group instead of one per blob). Reads re-hash the bytes: a blob that
 * does not hash to its CID is never returned.
 */
export function createFsBlobStore(options: FsBlobStoreOptions) {
  const root = path.resolve(options.root)
  const blobsDir = path.join(root, 'blobs')
  const tmpDir = path.join(root, 'tmp')
  const profile = options.profile
  const packMax = options.packMaxBlobBytes ?? 8 * 1024 * 1024
  const packs = createPacks(path.join(root, 'packs'))

  /**
   * Path of a blob; the CID is parsed first so no caller string ever reaches the filesystem.
   * 32 shard directories (the next-to-last base32 character): few enough that a group commit
   * fsyncs at most 32 directories, however many blobs it holds.
   */
  function pathOf(cid: string): string {
    const parsed = parseContentId(cid)
    return path.join(blobsDir, parsed.slice(-2, -1), parsed)
  }

  let dirsReady: Promise<void> | undefined
  const shardsReady = new Set<string>()
  function ensureDirs(): Promise<void> {
    dirsReady ??= (async () => {
      await fsp.mkdir(blobsDir, { recursive: true, mode: 0o700 })
      await fsp.mkdir(tmpDir, { recursive: true, mode: 0o700 })
    })()
    return dirsReady
  }

  // Directories whose renames are not yet durable (puts with `deferSync`): flush() makes them
  // durable in one parallel pass, before the caller acknowledges anything.
  const unsyncedDirs = new Set<string>()

  async function commitTmp(tmp: string, cid: ContentId, deferSync = false): Promise<boolean> {
    const final = pathOf(cid)
    const dir = path.dirname(final)
    if (exists(final)) {
      await fsp.rm(tmp, { force: true })
      return false
    }
    if (!shardsReady.has(dir)) {
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 })
      shardsReady.add(dir)
    }
    await fsp.rename(tmp, final)
    if (deferSync) unsyncedDirs.add(dir)
    else await fsyncDir(dir)
    return true
  }

  /** Streams a file into the store, hashing while it copies. Memory stays O(chunk). */
  async function putFile(source: string, opts: PutOptions = {}): Promise<PutResult> {
    const small = await fsp.stat(source).then(
      (st) => st.isFile() && st.size <= packMax,
      () => false,
    )
    if (small) {
      const bytes = await fsp.readFile(source).catch((error: unknown) => {
        throw toStoreError(error, source)
      })
      return putBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts)
    }
    await ensureDirs()
    const tmp = path.join(tmpDir, `${randomBytes(12).toString('hex')}.tmp`)
    let src: fsp.FileHandle | undefined
    let dst: fsp.FileHandle | undefined
    try {
      src = await fsp.open(source, 'r')
      dst = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
      const hasher = createContentHasher({ ...(profile ? { profile } : {}), sha256: nodeSha256 })
      // Small files get a buffer of their own size: a 1 MiB buffer per 64 KiB file is mostly garbage.
      const { size: sourceSize } = await src.stat()
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(readSize, sourceSize + 1)))
      for (;;) {
        opts.signal?.throwIfAborted()
        const { bytesRead } = await src.read(buf, 0, buf.length, null)
        if (bytesRead === 0) break
        const chunk = buf.subarray(0, bytesRead)
        await hasher.update(chunk)
        await dst.write(chunk)
      }
      await dst.sync()
      await dst.close()
      dst = undefined
      const { cid, sha256, size } = await hasher.finish()
      const stored = await commitTmp(tmp, cid, opts.deferSync)
      return { cid, sha256, size, stored }
    } catch (error) {
      await dst?.close().catch(() => {})
      await fsp.rm(tmp, { force: true }).catch(() => {})
      throw toStoreError(error, source)
    } finally {
      await src?.close().catch(() => {})
    }
  }

  /** Stores bytes held in memory (small blobs: manifests, thumbnails, uploads already buffered). */
  async function putBytes(bytes: Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    await ensureDirs()
    const hasher = createContentHasher({ ...(profile ? { profile } : {}), sha256: nodeSha256 })
    await hasher.update(bytes)
    const { cid, sha256, size } = await hasher.finish()
    if (size <= packMax) return putHashed({ cid, sha256, size }, bytes, opts)
    if (exists(pathOf(cid))) return { cid, sha256, size, stored: false }
    const tmp = path.join(tmpDir, `${randomBytes(12).toString('hex')}.tmp`)
    try {
      const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
      try {
        await fh.writeFile(bytes)
        await fh.sync()
      } finally {
        await fh.close()
      }
      return { cid, sha256, size, stored: await commitTmp(tmp, cid, opts.deferSync) }
    } catch (error) {
      await fsp.rm(tmp, { force: true }).catch(() => {})
      throw toStoreError(error, tmp)
    }
  }

  /**
   * Stores bytes the caller has already hashed with this store's profile (register hashes in a
   * worker thread). The CID is not re-derived here; every read still re-hashes, so a wrong CID can
   * never serve wrong bytes.
   */
  async function putHashed(hashed: { cid: string; sha256: string; size: number }, bytes: Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const cid = parseContentId(hashed.cid)
    if (bytes.length !== hashed.size) throw new MintmarkError('INPUT_INVALID', `Blob ${cid}: ${bytes.length} bytes given, ${hashed.size} declared.`)
    if (bytes.length > packMax) return putBytes(bytes, opts)
    // existsSync: a thread-pool round trip per small blob would cost more than the write itself.
    if (existsSync(pathOf(cid))) return { cid, sha256: hashed.sha256, size: hashed.size, stored: false }
    try {
      const stored = packs.append(cid, bytes)
      if (!opts.deferSync) await packs.flush()
      return { cid, sha256: hashed.sha256, size: hashed.size, stored }
    } catch (error) {
      throw toStoreError(error, path.join(root, 'packs'))
    }
  }

  /** Reads a blob and checks that it hashes to its CID; throws BLOB_NOT_FOUND or CONTENT_HASH_MISMATCH. */
  async function get(cid: string): Promise<Uint8Array> {
    const file = pathOf(cid)
    let bytes: Uint8Array
    try {
      bytes = (await packs.read(cid)) ?? (await fsp.readFile(file))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MintmarkError('BLOB_NOT_FOUND', `No blob ${cid} in the store.`)
      throw toStoreError(error, file)
    }
    const hasher = createContentHasher({ ...(profile ? { profile } : {}), sha256: nodeSha256 })
    await hasher.update(bytes)
    const actual = (await hasher.finish()).cid
    if (actual !== cid)
      throw new MintmarkError('CONTENT_HASH_MISMATCH', `Stored blob ${cid} is corrupt: its bytes hash to ${actual}.`, {
        metaMessages: ['The blob was not served. Restore it from a replica or re-register the original file.'],
      })
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Re-hashes a stored blob without keeping it in memory; true when it matches its CID. */
  async function verify(cid: string): Promise<boolean> {
    const file = pathOf(cid)
    const packed = await packs.read(cid).catch(() => undefined)
    if (packed) {
      const hasher = createContentHasher({ ...(profile ? { profile } : {}), sha256: nodeSha256 })
      await hasher.update(packed)
      return (await hasher.finish()).cid === cid
    }
    const fh = await fsp.open(file, 'r').catch(() => undefined)
    if (!fh) return false
    try {
      const hasher = createContentHasher({ ...(profile ? { profile } : {}), sha256: nodeSha256 })
      const buf = Buffer.allocUnsafe(readSize)
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, readSize, null)
        if (bytesRead === 0) break
        await hasher.update(buf.subarray(0, bytesRead))
      }
      return (await hasher.finish()).cid === cid
    } finally {
      await fh.close()
    }
  }

  /**
   * Makes every deferred put durable: packed blobs (pack fsync, then their index rows) and renamed
   * files (one fsync per directory touched, in parallel).
   */
  async function flush(): Promise<void> {
    const dirs = [...unsyncedDirs]
    unsyncedDirs.clear()
    try {
      await Promise.all([packs.flush(), ...dirs.map(fsyncDir)])
    } catch (error) {
      for (const d of dirs) unsyncedDirs.add(d)
      throw toStoreError(error, blobsDir)
    }
  }

  return {
    root,
    /** Releases the pack files and their index; puts not flushed were never acknowledged and are dropped. */
    close: (): void => packs.close(),
    pathOf,
    flush,
    putFile,
    putBytes,
    putHashed,
    get,
    verify,
    has: async (cid: string): Promise<boolean> => packs.has(parseContentId(cid)) || exists(pathOf(cid)),
    /** Removes temporary files left by a crash (they were never acknowledged). */
    async cleanTmp(): Promise<number> {
      const names = await fsp.readdir(tmpDir).catch(() => [] as string[])
      await Promise.all(names.map((n) => fsp.rm(path.join(tmpDir, n), { force: true })))
      return names.length
    },
    /** Every stored CID: packed ones first, then files (each part in CID order). */
    async *list(): AsyncGenerator<ContentId> {
      for (const cid of packs.list()) yield parseContentId(cid)
      const shards = await fsp.readdir(blobsDir).catch(() => [] as string[])
      for (const s of shards.sort()) for (const name of (await fsp.readdir(path.join(blobsDir, s))).sort()) yield parseContentId(name)
    },
  } satisfies BlobStore & { [own: string]: unknown } // BlobStore, plus this store's own members
}

// A stat of a blob path is a few microseconds; a thread-pool hop (fsp.access) costs ~0.25 ms
// and showed as the top cost of GET /v1/assets/{cid} under load.
function exists(file: string): boolean {
  return existsSync(file)
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

function toStoreError(error: unknown, file: string): MintmarkError {
  if (error instanceof MintmarkError) return error
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return new MintmarkError('FILE_NOT_FOUND', `No such file: ${file}`, { cause: error })
  if (code === 'EISDIR' || code === 'EACCES' || code === 'EPERM')
    return new MintmarkError('FILE_UNREADABLE', `Cannot read ${file} (${code}).`, { cause: error })
  return new MintmarkError('STORE_IO', `I/O error on ${file}${code ? ` (${code})` : ''}.`, { cause: error })
}
