import { promises as fsp } from 'node:fs'
import { setImmediate } from 'node:timers/promises'
import path from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MintmarkError, createManifest } from '@mintmark/core'
import type { EntryDraft } from '@mintmark/storage'
import type { AppContext } from './open-app.js'
import {
  type MediaEvidence,
  type PreparedAsset,
  type RegisterTemplate,
  buildManifestInput,
  describeAndSign,
  entryDraft,
  inspectMedia,
  mediaEvidence,
  prepareAsset,
} from './prepare-asset.js'

export type { RegisterTemplate } from './prepare-asset.js'

export type RegisterParameters = RegisterTemplate & {
  files: readonly string[]
  /** Files in flight at once (large files' I/O overlaps; small files are read synchronously, see prepare-asset.ts). */
  concurrency?: number | undefined
  /** Entries per group commit (one SQLite transaction, one fsync). */
  batchSize?: number | undefined
  onProgress?: ((event: RegisterProgressEvent) => void) | undefined
  signal?: AbortSignal | undefined
}

export type RegisteredAsset = { file: string; cid: string; sha256: string; size: number; mediaType: string; logIndex: number; leafHash: string }
export type RegisterProgressEvent =
  | { type: 'register:asset:committed'; asset: RegisteredAsset }
  | { type: 'register:asset:skipped'; file: string; cid: string; reason: 'already-registered' }
  | { type: 'register:checkpoint:signed'; size: number }
  | { type: 'register:bytes:hashed'; bytes: number }

export type RegisterReturnType = {
  registered: RegisteredAsset[]
  skipped: { file: string; cid: string }[]
  checkpoint: { size: number; rootHash: string } | undefined
}

/**
 * Registers files: each is stored by content address, described by a signed manifest, and
 * appended to the log. Records are acknowledged (progress event, return value) only after the
 * transaction holding them committed durably. Re-running skips assets this creator already
 * registered, so an interrupted bulk run can simply be run again.
 */
export async function register(ctx: AppContext, parameters: RegisterParameters): Promise<RegisterReturnType> {
  const files = await checkFiles(parameters.files)
  const signer = await ctx.getSigner()
  // Validate the shared part once, before any write, so a bad flag changes nothing.
  createManifest(buildManifestInput(parameters, signer.did, placeholderAsset, ctx.clock.now().toISOString()))

  const registered: RegisteredAsset[] = []
  const skipped: { file: string; cid: string }[] = []
  const batchSize = parameters.batchSize ?? 512
  // Workers do not wait for their record to commit before taking the next file: drafts queue up
  // and are committed in groups (one transaction, one fsync). A record is acknowledged only when
  // the group holding it has committed.
  let pending: { draft: EntryDraft; file: string; put: { cid: string; sha256: string; size: number }; mediaType: string }[] = []
  let flushTimer: NodeJS.Timeout | undefined
  let flushing: Promise<void> = Promise.resolve()
  let lastCheckpointAt = Date.now()
  let commitError: unknown

  const commitBatch = async (): Promise<void> => {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    const items = pending
    pending = []
    if (!items.length || commitError !== undefined) return
    let results: { index: number; leafHash: Uint8Array; created: boolean }[]
    try {
      // Blobs first, durably (their directory entries too), then the rows that reference them.
      await ctx.blobs.flush()
      results = await ctx.appendEntries(items.map((i) => i.draft))
    } catch (error) {
      commitError = error
      return
    }
    items.forEach((item, k) => {
      const r = results[k] as { index: number; leafHash: Uint8Array; created: boolean }
      if (!r.created) {
        skipped.push({ file: item.file, cid: item.put.cid })
        parameters.onProgress?.({ type: 'register:asset:skipped', file: item.file, cid: item.put.cid, reason: 'already-registered' })
        return
      }
      const asset: RegisteredAsset = { file: item.file, ...item.put, mediaType: item.mediaType, logIndex: r.index, leafHash: bytesToHex(r.leafHash) }
      registered.push(asset)
      parameters.onProgress?.({ type: 'register:asset:committed', asset })
    })
    // PostgreSQL: the sequencer holder signs checkpoints by the same policy; none is signed here.
    if (ctx.database !== 'sqlite') return
    const last = await ctx.store.latestCheckpoint()
    const size = await ctx.store.size()
    if (size - (last?.size ?? 0) >= ctx.config.checkpoint.everyEntries || Date.now() - lastCheckpointAt >= ctx.config.checkpoint.everyMs) {
      const c = await ctx.issueCheckpoint()
      lastCheckpointAt = Date.now()
      parameters.onProgress?.({ type: 'register:checkpoint:signed', size: c.size })
    }
  }
  let committing = false
  const flush = (): Promise<void> => {
    committing = true
    flushing = flushing.then(commitBatch).finally(() => {
      committing = false
    })
    return flushing
  }
  // Producers do not wait for a commit to finish (one commit in flight while the next group
  // fills), unless too many records are waiting: then they wait, bounding memory.
  const enqueue = async (item: (typeof pending)[number]): Promise<void> => {
    pending.push(item)
    if (pending.length >= batchSize && !committing) void flush()
    else if (pending.length >= 4 * batchSize) await flushing
    else flushTimer ??= setTimeout(() => void flush(), 20)
  }

  const template = templateOf(parameters)

  const skip = (file: string, cid: string) => {
    skipped.push({ file, cid })
    parameters.onProgress?.({ type: 'register:asset:skipped', file, cid, reason: 'already-registered' })
  }

  /** Small files: read once, hashed, signed, then stored (packed, not yet durable) and queued. */
  async function small(p: PreparedAsset): Promise<void> {
    parameters.onProgress?.({ type: 'register:bytes:hashed', bytes: p.asset.size })
    if (await ctx.store.hasClaimBy(p.asset.cid, signer.did)) return skip(p.file, p.asset.cid)
    // Images only (no decode for anything else): PDQ fingerprint and any C2PA manifest.
    const evidence = p.asset.mediaType.startsWith('image/') ? await mediaEvidence(p.bytes, p.asset.mediaType, p.file) : undefined
    await ctx.blobs.putHashed(p.asset, p.bytes, { deferSync: true })
    await enqueue(queued(p.file, p.asset, p.signed, p.statementHash, p.firstClaim, evidence))
  }

  /** Large files: streamed into the blob store (hashing while copying), then described and signed. */
  async function large(file: string, createdAt: string): Promise<void> {
    const { mediaType, dimensions, bytes } = await inspectMedia(file)
    const put = await ctx.blobs.putFile(file, { signal: parameters.signal, deferSync: true })
    parameters.onProgress?.({ type: 'register:bytes:hashed', bytes: put.size })
    if (await ctx.store.hasClaimBy(put.cid, signer.did)) return skip(file, put.cid)
    const asset = { cid: put.cid, sha256: put.sha256, size: put.size, mediaType, ...(dimensions ? { dimensions } : {}) }
    const { signed, statementHash, firstClaim } = await describeAndSign(template, signer, asset, path.basename(file), createdAt)
    const evidence = bytes && mediaType.startsWith('image/') ? await mediaEvidence(bytes, mediaType, file) : undefined
    await enqueue(queued(file, asset, signed, statementHash, firstClaim, evidence))
  }

  function queued(
    file: string,
    asset: { cid: string; sha256: string; size: number; mediaType: string },
    signed: PreparedAsset['signed'],
    statementHash: Uint8Array,
    firstClaim: PreparedAsset['firstClaim'],
    evidence?: MediaEvidence,
  ): (typeof pending)[number] {
    const draft: EntryDraft = entryDraft({ signed, statementHash, firstClaim, asset }, signer.did, evidence)
    return { draft, file, put: { cid: asset.cid, sha256: asset.sha256, size: asset.size }, mediaType: asset.mediaType }
  }

  async function one(file: string): Promise<void> {
    parameters.signal?.throwIfAborted()
    const createdAt = ctx.clock.now().toISOString()
    const prepared = await prepareAsset({ file, createdAt, template, signer, profile: ctx.config.profile })
    if (prepared) await small(prepared)
    else await large(file, createdAt)
  }

  const queue = [...files]
  const concurrency = Math.max(1, parameters.concurrency ?? 32)
  let failure: unknown
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let f = queue.shift(); f !== undefined && failure === undefined && commitError === undefined; f = queue.shift()) {
      try {
        await one(f)
      } catch (error) {
        failure ??= error
      }
      // Small files are prepared with blocking reads and no real await, so without this the
      // event loop would never reach the group-commit timer until every file was prepared:
      // nothing would be acknowledged (or durable) until the end.
      await setImmediate()
    }
  })
  await Promise.all(workers)
  await flush()
  if (failure !== undefined) throw failure
  if (commitError !== undefined) throw commitError
  const checkpoint = (await ctx.store.size()) > 0 ? await ctx.issueCheckpoint() : undefined
  if (checkpoint) parameters.onProgress?.({ type: 'register:checkpoint:signed', size: checkpoint.size })
  return { registered, skipped, checkpoint: checkpoint && { size: checkpoint.size, rootHash: checkpoint.rootHash } }
}

const placeholderAsset = {
  cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  size: 0,
  mediaType: 'application/octet-stream',
}

function templateOf(p: RegisterParameters): RegisterTemplate {
  const { files, concurrency, batchSize, onProgress, signal, ...template } = p
  return template
}

/** Every input must be a readable regular file before anything is written. */
async function checkFiles(files: readonly string[]): Promise<string[]> {
  if (!files.length) throw new MintmarkError('USAGE_INVALID', 'No files to register.')
  const out: string[] = []
  for (const f of files) {
    const st = await fsp.stat(f).catch((cause: NodeJS.ErrnoException) => {
      if (cause.code === 'ENOENT') throw new MintmarkError('FILE_NOT_FOUND', `No such file: ${f}`)
      throw new MintmarkError('FILE_UNREADABLE', `Cannot read ${f} (${cause.code ?? 'error'}).`, { cause })
    })
    if (!st.isFile()) throw new MintmarkError('FILE_UNREADABLE', `${f} is not a regular file.`)
    out.push(f)
  }
  return out
}

