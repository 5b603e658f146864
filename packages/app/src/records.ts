import { bytesToHex } from '@noble/hashes/utils.js'
import { MintmarkError, consistencyProofPlan, inclusionProofPlan, parseContentId } from '@mintmark/core'
import { storedC2paEvidence } from './c2pa.js'
import { fingerprintsOf } from './fingerprints.js'
import type { AppContext } from './open-app.js'

/** The record of an asset: every claim on it, its lineage both ways, and where it sits in the log. */
export async function showAsset(ctx: AppContext, cidText: string) {
  const cid = parseContentId(cidText)
  const asset = await ctx.store.getAsset(cid)
  if (!asset) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${cid} in this log.`)
  const claims = (await ctx.entriesFor(cid)).map(({ index, leafHash, entry }) => ({
    logIndex: index,
    leafHash: bytesToHex(leafHash),
    creator: entry.statement.creator,
    createdAt: entry.statement.createdAt,
    prior: entry.prior ?? [],
    statement: entry.statement,
  }))
  const first = claims[0]
  const c2pa = await storedC2paEvidence(ctx.store, cid)
  const checkpoint = first ? await ctx.store.checkpointCovering(first.logIndex) : undefined
  return {
    asset: { cid: asset.cid, sha256: asset.sha256, size: asset.size, mediaType: asset.mediaType },
    statement: first?.statement,
    claims,
    lineage: { parents: await ctx.store.parentsOf(cid), children: await ctx.store.childrenOf(cid) },
    /** PDQ fingerprints kept for near-duplicate lookup (images only). */
    fingerprints: await fingerprintsOf(ctx.store, cid),
    /** C2PA Content Credentials the registered file carried: imported evidence, not signed by this log. */
    ...(c2pa ? { c2pa } : {}),
    log: {
      origin: ctx.config.logOrigin,
      treeSize: await ctx.store.size(),
      checkpointSize: checkpoint?.size ?? null,
    },
  }
}

/** The provenance bundle of an asset's first registration (or of the claim at `logIndex`). */
export async function exportBundle(ctx: AppContext, cidText: string, logIndex?: number) {
  const cid = parseContentId(cidText)
  const entries = await ctx.entriesFor(cid)
  if (!entries.length) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${cid} in this log.`)
  const chosen = logIndex === undefined ? entries[0] : entries.find((e) => e.index === logIndex)
  if (!chosen) throw new MintmarkError('LOG_ENTRY_NOT_FOUND', `Log entry ${logIndex} is not a claim on ${cid}.`)
  return ctx.bundleForEntry(chosen.index, chosen.entry)
}

/** The latest signed checkpoint, signing a new one first if the log grew. */
export async function logCheckpoint(ctx: AppContext) {
  const c = await ctx.issueCheckpoint()
  return { origin: ctx.config.logOrigin, size: c.size, rootHash: c.rootHash, note: c.note, logKey: ctx.logKey }
}

/** An inclusion proof of an asset's first claim (or of a log index) at the latest checkpoint. */
export async function logProve(ctx: AppContext, target: string) {
  const index = /^\d+$/.test(target) ? Number(target) : (await ctx.entriesFor(parseContentId(target)))[0]?.index
  if (index === undefined) throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${target} in this log.`)
  const entry = await ctx.store.getEntry(index)
  if (!entry) throw new MintmarkError('LOG_ENTRY_NOT_FOUND', `No log entry ${index}.`)
  const c = await ctx.issueCheckpoint()
  const plan = inclusionProofPlan(index, c.size)
  return {
    logIndex: index,
    treeSize: c.size,
    leafHash: bytesToHex(entry.leafHash),
    rootHash: c.rootHash,
    hashes: plan.assemble(await ctx.store.getNodes(plan.nodes)).map((h) => bytesToHex(h)),
    checkpoint: c.note,
  }
}

/** A consistency proof between two tree sizes, from stored nodes (O(log n) reads). */
export async function logConsistency(ctx: AppContext, oldSize: number, newSize: number) {
  const size = await ctx.store.size()
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 1 || oldSize > newSize)
    throw new MintmarkError('USAGE_INVALID', `Sizes must satisfy 1 ≤ old ≤ new; got ${oldSize} and ${newSize}.`)
  if (newSize > size) throw new MintmarkError('MERKLE_INDEX_OUT_OF_RANGE', `The log has ${size} entries; cannot prove size ${newSize}.`)
  const plan = consistencyProofPlan(oldSize, newSize)
  return {
    oldSize,
    newSize,
    oldRoot: bytesToHex(await ctx.store.rootAt(oldSize)),
    newRoot: bytesToHex(await ctx.store.rootAt(newSize)),
    hashes: plan.assemble(await ctx.store.getNodes(plan.nodes)).map((h) => bytesToHex(h)),
  }
}
