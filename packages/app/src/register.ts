import { type Stats, statSync } from 'node:fs'
import { setImmediate } from 'node:timers/promises'
import path from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MintmarkError, createManifest } from '@mintmark/core'
import type { EntryDraft } from '@mintmark/storage'
import type { ResourceLimits } from 'node:worker_threads'
import type { AppContext } from './open-app.js'
import { signerKeyObject } from './node-signer.js'
import { type PrepareWorker, type PreparedFile, deserializeError, openPrepareWorker, registerWorkerScript } from './register-worker-protocol.js'
import {
  type MediaEvidence,
  type PreparedAsset,
  type RegisterTemplate,
  buildManifestInput,
  describeAndSign,
  entryDraft,
  entryDraftFromLeaf,
  inspectMedia,
  manifestFactory,
  mediaEvidence,
  placeholderAsset,
  prepareAsset,
} from './prepare-asset.js'

export type { RegisterTemplate } from './prepare-asset.js'

export type RegisterParameters = RegisterTemplate & {
  files: readonly string[]
  /**
   * Files in flight at once when preparing on this thread (`workers: 0`; large files' I/O
   * overlaps, small files are read synchronously, see prepare-asset.ts). The worker thread
   * prepares batches in file order instead.
   */
  concurrency?: number | undefined
  /** Entries per group commit (one SQLite transaction, one fsync). */
  batchSize?: number | undefined
  onProgress?: ((event: RegisterProgressEvent) => void) | undefined
  signal?: AbortSignal | undefined
  /**
   * Preparing threads: 1 (the default for {@link workerThreshold} files or more) reads, hashes,
   * describes and signs on a worker thread while this thread stores and commits; 0 does it all
   * on this thread (the default for fewer files: starting a thread costs more than it saves).
   */
  workers?: 0 | 1 | undefined
  /** Resource limits of the preparing thread (node:worker_threads). */
  workerResourceLimits?: ResourceLimits | undefined
}

/** From this many files on, register prepares them on a worker thread by default. */
export const workerThreshold = 64
/** Files per message to and from the worker, and batches in flight (the worker never waits). */
const workerBatch = 64
const workerBatchesInFlight = 8

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
  ctx.assertWritable() // a frozen log (ADR 0016): refused before any blob is written
  const signer = await ctx.getSigner()
  // Validate the shared part once, before any write, so a bad flag changes nothing.
  const shared = createManifest(buildManifestInput(parameters, signer.did, placeholderAsset, ctx.clock.now().toISOString()))
  const makeManifest = manifestFactory(templateOf(parameters), signer.did)

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
    const { signed, statementHash, firstClaim } = await describeAndSign(template, signer, asset, path.basename(file), createdAt, makeManifest)
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
    const prepared = await prepareAsset({ file, createdAt, template, signer, profile: ctx.config.profile, makeManifest })
    if (prepared) await small(prepared)
    else await large(file, createdAt)
  }

  /** A file prepared on the worker thread: stored (packed, not yet durable) and queued. */
  async function preparedElsewhere(p: Extract<PreparedFile, { kind: 'small' }>, claimed: boolean): Promise<void> {
    parameters.onProgress?.({ type: 'register:bytes:hashed', bytes: p.asset.size })
    if (claimed) return skip(p.file, p.asset.cid)
    await ctx.blobs.putHashed(p.asset, p.bytes, { deferSync: true })
    const draft = entryDraftFromLeaf(
      { statementHash: p.statementHash, firstClaim: { data: p.leafData, leafHash: p.leafHash }, asset: p.asset },
      { kind: shared.type, createdAt: p.createdAt, parents: shared.parents },
      signer.did,
      p.evidence,
    )
    await enqueue({ draft, file: p.file, put: { cid: p.asset.cid, sha256: p.asset.sha256, size: p.asset.size }, mediaType: p.asset.mediaType })
  }

  let failure: unknown
  const key = signerKeyObject(signer)
  const useWorker = (parameters.workers ?? (files.length >= workerThreshold ? 1 : 0)) > 0 && key !== undefined && registerWorkerScript() !== undefined
  if (parameters.workers === 1 && !useWorker)
    throw new MintmarkError('REGISTER_WORKER_FAILED', 'A preparing thread was asked for, but cannot be used here.', {
      details: key === undefined ? 'the signer is not a local node:crypto key' : 'the worker script is not built',
    })
  if (useWorker) {
    // Two threads: the worker reads, hashes, describes and signs batch after batch (a few in
    // flight, so it never waits); this thread writes packs and commits groups as results arrive.
    const worker: PrepareWorker = openPrepareWorker({
      template,
      did: signer.did,
      key: key as NonNullable<typeof key>,
      profile: ctx.config.profile,
      resourceLimits: parameters.workerResourceLimits,
    })
    try {
      let sent = 0
      const inFlight: Promise<Awaited<ReturnType<PrepareWorker['prepare']>>>[] = []
      const send = () => {
        while (inFlight.length < workerBatchesInFlight && sent < files.length) {
          const batch = files.slice(sent, sent + workerBatch)
          sent += batch.length
          const p = worker.prepare(
            batch,
            batch.map(() => ctx.clock.now().toISOString()),
          )
          p.catch(() => {}) // handled when its turn comes
          inFlight.push(p)
        }
      }
      send()
      for (let p = inFlight.shift(); p !== undefined && failure === undefined && commitError === undefined; p = inFlight.shift()) {
        try {
          const batch = await p
          send()
          // "Already registered by this creator?" for the whole batch in one query.
          const claimed = await ctx.store.claimedAmong(
            batch.results.flatMap((r) => (r.kind === 'small' ? [r.asset.cid] : [])),
            signer.did,
          )
          for (const r of batch.results) {
            parameters.signal?.throwIfAborted()
            if (commitError !== undefined) break
            if (r.kind === 'large') await large(r.file, r.createdAt)
            else await preparedElsewhere(r, claimed.has(r.asset.cid))
          }
          if (batch.error) throw deserializeError(batch.error)
        } catch (error) {
          failure ??= error
        }
      }
    } finally {
      await worker.close()
    }
  } else {
    const queue = [...files]
    const concurrency = Math.max(1, parameters.concurrency ?? 32)
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
  }
  await flush()
  if (failure !== undefined) throw failure
  if (commitError !== undefined) throw commitError
  const checkpoint = (await ctx.store.size()) > 0 ? await ctx.issueCheckpoint() : undefined
  if (checkpoint) parameters.onProgress?.({ type: 'register:checkpoint:signed', size: checkpoint.size })
  return { registered, skipped, checkpoint: checkpoint && { size: checkpoint.size, rootHash: checkpoint.rootHash } }
}

function templateOf(p: RegisterParameters): RegisterTemplate {
  const { files, concurrency, batchSize, onProgress, signal, workers, workerResourceLimits, ...template } = p
  return template
}

/**
 * Every input must be a readable regular file before anything is written. Blocking stats: a
 * few microseconds each, where an awaited fs.promises.stat is a thread-pool round trip per file
 * (10,000 of them in sequence delayed the start of a bulk run by seconds on the 2-core VM).
 */
async function checkFiles(files: readonly string[]): Promise<string[]> {
  if (!files.length) throw new MintmarkError('USAGE_INVALID', 'No files to register.')
  const out: string[] = []
  for (const f of files) {
    let st: Stats
    try {
      st = statSync(f)
    } catch (error) {
      const cause = error as NodeJS.ErrnoException
      if (cause.code === 'ENOENT') throw new MintmarkError('FILE_NOT_FOUND', `No such file: ${f}`)
      throw new MintmarkError('FILE_UNREADABLE', `Cannot read ${f} (${cause.code ?? 'error'}).`, { cause })
    }
    if (!st.isFile()) throw new MintmarkError('FILE_UNREADABLE', `${f} is not a regular file.`)
    out.push(f)
  }
  return out
}
