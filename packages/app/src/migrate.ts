import { MintmarkError, canonicalize, decodeLogEntry, statementSigningPrefix } from '@mintmark/core'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { AnchorRow, AsyncStore, BlobStore, ChainEventRow, EntryDraft, StoredEntry } from '@mintmark/storage'

export type MigrateStoreParameters = {
  from: AsyncStore
  to: AsyncStore
  /**
   * Chains whose indexer state (cursor, events, kept blocks) to copy, besides every chain an
   * anchor or an offer names (the home's configured chains; absent: those only).
   */
  chainIds?: readonly number[] | undefined
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
  /** The app's rows next to the log; `copied`: written by this run (the rest were there already). */
  anchors: { copied: number; total: number }
  offers: { copied: number; total: number }
  chainIndex: { chainId: number; cursor: number; events: number; blocks: number }[]
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
 *
 * Then the app's rows next to the log: checkpoint anchors, licence offers and the chain indexer's
 * state (cursor, events, kept blocks) of every chain they name or `chainIds` lists. Each row is
 * written unless the target holds it already, then read back from the target and compared with
 * the source's; an offer the target holds with another content is refused (MIGRATE_TARGET_DIVERGED).
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
  const assetCids = new Set<string>()
  // Blobs of the entries the target already holds are checked again too: a resumed run may have
  // been cut between a batch's commit and its blobs' copy.
  for (let from = 0; from < size; from += batchSize) {
    p.signal?.throwIfAborted()
    const to = Math.min(size, from + batchSize)
    const entries = await p.from.getEntries(from, to)
    if (entries.length !== to - from) throw new MintmarkError('STORE_CORRUPT', `The source is missing entries between ${from} and ${to}.`)
    for (const e of entries) if (e.assetCid && !seenBlobs.has(e.assetCid)) await moveBlob(e.assetCid)
    for (const e of entries) if (e.assetCid) assetCids.add(e.assetCid)
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
  const anchors = await copyAnchors(p.from, p.to)
  const offers = await copyOffers(p.from, p.to, assetCids)
  const chainIds = new Set([...(p.chainIds ?? []), ...anchors.chainIds, ...offers.chainIds])
  const chainIndex = []
  for (const chainId of [...chainIds].sort((a, b) => a - b)) {
    p.signal?.throwIfAborted()
    const copiedChain = await copyChainIndex(p.from, p.to, chainId)
    if (copiedChain) chainIndex.push(copiedChain)
  }
  return {
    size,
    resumedAt,
    appended: size - resumedAt,
    checkpoints: { copied, total },
    blobs,
    anchors: { copied: anchors.copied, total: anchors.total },
    offers: { copied: offers.copied, total: offers.total },
    chainIndex,
    rootHash: bytesToHex(await p.to.rootAt(size)),
  }

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
async function draftOf(from: AsyncStore, e: StoredEntry): Promise<EntryDraft> {
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

/** Anchors: written when the target's row differs (the source's is the newer state), then compared. */
async function copyAnchors(from: AsyncStore, to: AsyncStore): Promise<{ copied: number; total: number; chainIds: number[] }> {
  const rows = await from.listAnchors()
  let copied = 0
  for (const a of rows) {
    if (sameJson(await to.getAnchor(a.chainId, a.treeSize), a)) continue
    await to.putAnchor(a)
    copied++
    if (!sameJson(await to.getAnchor(a.chainId, a.treeSize), a))
      throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `The anchor of tree size ${a.treeSize} on chain ${a.chainId} reads back differently from the target.`)
  }
  return { copied, total: rows.length, chainIds: [...new Set(rows.map((a: AnchorRow) => a.chainId))] }
}

/** Offers of every asset in the log; an offer is immutable, so one the target holds must be the same. */
async function copyOffers(from: AsyncStore, to: AsyncStore, assetCids: ReadonlySet<string>): Promise<{ copied: number; total: number; chainIds: number[] }> {
  let copied = 0
  let total = 0
  const chainIds = new Set<number>()
  for (const cid of assetCids)
    for (const o of await from.offersForAsset(cid)) {
      total++
      chainIds.add(o.chainId)
      const held = await to.getOffer(o.offerHash)
      if (!held) {
        await to.putOffer(o)
        copied++
      }
      if (!sameJson(held ?? (await to.getOffer(o.offerHash)), o))
        throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `The target holds offer ${o.offerHash} with another content than the source's.`)
    }
  return { copied, total, chainIds: [...chainIds] }
}

/** Events per chain-index transaction when copying. */
const chainEventsPerBatch = 2000

/**
 * A chain's indexer state. Events go in chain order, in batches; until the last batch the cursor
 * is set just below the block of the batch's last event (every event of the blocks below it is
 * copied), so an interrupted copy leaves a state the indexer can continue from, never a cursor
 * ahead of the events. Re-running writes the same rows again (commitChainIndex replaces them).
 */
async function copyChainIndex(from: AsyncStore, to: AsyncStore, chainId: number): Promise<MigrateStoreReturnType['chainIndex'][number] | undefined> {
  const cursor = await from.getChainCursor(chainId)
  if (cursor === undefined) return undefined
  const events = await from.listChainEvents(chainId)
  const blocks = await from.listChainBlocks(chainId)
  const pruneBelow = blocks[0]?.number ?? 0
  for (let i = 0; ; i += chainEventsPerBatch) {
    const part = events.slice(i, i + chainEventsPerBatch)
    if (i + chainEventsPerBatch >= events.length) {
      await to.commitChainIndex(chainId, { cursor, events: part, blocks, pruneBelow })
      break
    }
    await to.commitChainIndex(chainId, { cursor: Math.max(0, (part.at(-1) as ChainEventRow).blockNumber - 1), events: part, blocks: [], pruneBelow: 0 })
  }
  // A target that holds more (indexed further on its own) is not the source's copy.
  if (
    (await to.getChainCursor(chainId)) !== cursor ||
    !sameJson(await to.listChainEvents(chainId), events) ||
    !sameJson(await to.listChainBlocks(chainId), blocks)
  )
    throw new MintmarkError('MIGRATE_TARGET_DIVERGED', `The target's index of chain ${chainId} differs from the source's after copying it.`)
  return { chainId, cursor, events: events.length, blocks: blocks.length }
}

/** Rows compared by content (JSON of their fields, key order ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  return a !== undefined && canonicalize(JSON.parse(JSON.stringify(a))) === canonicalize(JSON.parse(JSON.stringify(b)))
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
