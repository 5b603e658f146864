import { MintmarkError, canonicalize, decodeLogEntry, statementSigningPrefix } from '@mintmark/core'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { AsyncLogStore, BlobStore, EntryDraft, StoredEntry } from '@mintmark/storage'

export type MigrateStoreParameters = {
  from: AsyncLogStore
  to: AsyncLogStore
  /** The source's blobs: every blob an entry names is read back and re-hashed against its CID. */
  fromBlobs: BlobStore
  /** Where to copy blobs to; absent: blobs stay where they are (still verified). */
  toBlobs?: BlobStore | undefined
  /** Entries per target transaction (default 500). */
  batchSize?: number | undefined
  onProgress?: ((p: MigrateProgress) => void) | undefined
  signal?: AbortSignal | undefined
}

export type MigrateProgress = { copied: number; size: number; blobsVerified: number; blobsCopied: number }

export type MigrateStoreReturnType = {
  size: number
  /** Entries the target already held (a resumed run) and that this run appended. */
  resumedAt: number
  appended: number
  checkpoints: { copied: number; total: number }
  blobs: { verified: number; copied: number; absent: number }
  rootHash: string
}

/**
 * Copies a log from one store to another (SQLite → PostgreSQL), entry by entry at the same index,
 * checking everything on the way: each entry's leaf hash is recomputed by the target and must
 * equal the source's, the earlier claims the target passes to the entry must be the ones the
 * entry names, the target's root must equal the source's after every batch, and every signed
 * checkpoint is copied only once the target's root at its size matches it. Every blob an entry
 * names is read back and re-hashed (and copied when `toBlobs` is given). Resumable: a target that
 * already holds a prefix of the source (same root at its size) continues from there; anything
 * else is refused (`MIGRATE_TARGET_DIVERGED`) and nothing is written.
 */
export async function migrateStore(p: MigrateStoreParameters): Promise<MigrateStoreReturnType> {
  const size = await p.from.size()
  const resumedAt = await p.to.size()
  if (resumedAt > size)
    throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `The target holds ${resumedAt} entries, more than the source's ${size}: it is another log.`)
  if (resumedAt > 0 && !bytesEqual(await p.to.rootAt(resumedAt), await p.from.rootAt(resumedAt)))
    throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `The target's first ${resumedAt} entries are not the source's (their roots differ): it is another log.`)

  const batchSize = Math.max(1, p.batchSize ?? 500)
  const blobs = { verified: 0, copied: 0, absent: 0 }
  const seenBlobs = new Set<string>()
  // Blobs of the entries the target already holds are checked again too: a resumed run may have
  // been cut between a batch's commit and its blobs' copy.
  for (let from = 0; from < size; from += batchSize) {
    p.signal?.throwIfAborted()
    const to = Math.min(size, from + batchSize)
    const entries = await p.from.getEntries(from, to)
    if (entries.length !== to - from) throw new MintmarkError('STORE_CORRUPT', `The source is missing entries between ${from} and ${to}.`)
    for (const e of entries) if (e.assetCid && !seenBlobs.has(e.assetCid)) await moveBlob(e.assetCid)
    if (to > resumedAt) {
      const fresh = entries.filter((e) => e.index >= resumedAt)
      const drafts = await Promise.all(fresh.map((e) => draftOf(p.from, e)))
      const results = await p.to.appendEntries(drafts)
      results.forEach((r, k) => {
        const e = fresh[k] as StoredEntry
        if (r.index !== e.index || !r.created || !bytesEqual(r.leafHash, e.leafHash))
          throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `Entry ${e.index} did not land as the same leaf in the target.`)
      })
      if (!bytesEqual(await p.to.rootAt(to), await p.from.rootAt(to)))
        throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `After entry ${to - 1} the target's root differs from the source's.`)
    }
    p.onProgress?.({ copied: to, size, blobsVerified: blobs.verified, blobsCopied: blobs.copied })
  }

  // Signed checkpoints, smallest first, each against the target's own root at its size.
  let total = 0
  let copied = 0
  for (let c = await p.from.checkpointCovering(0); c; c = await p.from.checkpointCovering(c.size)) {
    total++
    if (!bytesEqual(await p.to.rootAt(c.size), c.rootHash))
      throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `The source's checkpoint at size ${c.size} does not match the copied tree.`)
    if (!(await p.to.getCheckpoint(c.size))) copied++
    await p.to.putCheckpoint(c)
  }
  return { size, resumedAt, appended: size - resumedAt, checkpoints: { copied, total }, blobs, rootHash: bytesToHex(await p.to.rootAt(size)) }

  async function moveBlob(cid: string): Promise<void> {
    seenBlobs.add(cid)
    if (!(await p.fromBlobs.has(cid))) {
      blobs.absent++ // a statement registered without its bytes
      return
    }
    const bytes = await p.fromBlobs.get(cid) // re-hashed against the CID: CONTENT_HASH_MISMATCH otherwise
    blobs.verified++
    if (p.toBlobs && !(await p.toBlobs.has(cid))) {
      const put = await p.toBlobs.putBytes(bytes)
      if (put.cid.toString() !== cid) throw new MintmarkError('CONTENT_HASH_MISMATCH', `The target blob store names ${cid} ${put.cid}: its CID profile differs.`)
      blobs.copied++
    }
  }
}

/** The draft that makes the target append exactly the source's entry, and checks its prior claims. */
async function draftOf(from: AsyncLogStore, e: StoredEntry): Promise<EntryDraft> {
  const entry = decodeLogEntry(e.data)
  const s = entry.statement
  const firstClaim = !entry.prior?.length
  const asset = firstClaim ? await from.getAsset(s.asset.cid) : undefined
  const fingerprints = firstClaim ? await from.fingerprintsOf(s.asset.cid) : []
  const c2pa = firstClaim ? await from.getC2paEvidence(s.asset.cid) : undefined
  const named = (entry.prior ?? []).map((x) => `${x.index}:${x.leafHash}`).join(',')
  return {
    statementHash: sha256(new TextEncoder().encode(statementSigningPrefix + canonicalize(s))),
    kind: e.kind,
    assetCid: e.assetCid,
    creator: e.creator,
    createdAt: e.createdAt,
    asset: asset ? { cid: asset.cid, sha256: asset.sha256, size: asset.size, mediaType: asset.mediaType } : { cid: s.asset.cid, sha256: s.asset.sha256, size: s.asset.size, mediaType: s.asset.mediaType },
    parents: s.parents.map((x) => ({ cid: x.cid, relation: x.relation })),
    build(prior) {
      const seen = prior.map((x) => `${x.index}:${bytesToHex(x.leafHash)}`).join(',')
      if (seen !== named) throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `Entry ${e.index} names earlier claims [${named}] but the target holds [${seen}].`)
      return { data: e.data, leafHash: e.leafHash }
    },
    ...(fingerprints.length ? { fingerprints: fingerprints.map((f) => ({ algorithm: f.algorithm, hash: f.hash, quality: f.quality })) } : {}),
    ...(c2pa && c2pa.entryIndex === e.index
      ? { c2pa: { valid: c2pa.valid, validationStatus: c2pa.validationStatus, claimGenerator: c2pa.claimGenerator, digitalSourceType: c2pa.digitalSourceType, document: c2pa.document } }
      : {}),
    expectIndex: e.index,
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
