import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  type LogEntry,
  type Manifest,
  type ManifestInput,
  MintmarkError,
  createManifest,
  encodeLogEntry,
  leafHash,
  signStatement,
  statementSigningInput,
} from '@mintmark/core'
import { probeImage } from '@mintmark/media'
import type { EntryDraft } from '@mintmark/storage'
import { sniffMediaType } from './media-type.js'
import type { AppContext } from './open-app.js'


/** What every asset of one register call shares: how it was made and on what terms. */
export type RegisterTemplate = {
  digitalSourceType: Manifest['digitalSourceType']
  generation?: Manifest['generation'] | undefined
  datasets?: Manifest['datasets'] | undefined
  parents?: Manifest['parents'] | undefined
  edits?: Manifest['edits'] | undefined
  license: Manifest['rights']['license']
  /** Royalty split; default: all to the creator. */
  royalties?: Manifest['rights']['royalties'] | undefined
  trainingMining?: Manifest['rights']['trainingMining'] | undefined
  title?: string | undefined
  description?: string | undefined
}

export type RegisterParameters = RegisterTemplate & {
  files: readonly string[]
  /** Files hashed and stored at once (I/O overlaps; hashing spreads over the libuv pool). */
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
  createManifest(buildManifestInput(parameters, signer.did, placeholderAsset, ctx.clock.now()))

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
      await ctx.blobs.flushDirs()
      results = ctx.store.appendEntries(items.map((i) => i.draft))
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
    const last = ctx.store.latestCheckpoint()
    const size = ctx.store.size()
    if (size - (last?.size ?? 0) >= ctx.config.checkpoint.everyEntries || Date.now() - lastCheckpointAt >= ctx.config.checkpoint.everyMs) {
      const c = await ctx.issueCheckpoint()
      lastCheckpointAt = Date.now()
      parameters.onProgress?.({ type: 'register:checkpoint:signed', size: c.size })
    }
  }
  const flush = (): Promise<void> => {
    flushing = flushing.then(commitBatch)
    return flushing
  }
  const enqueue = async (item: (typeof pending)[number]): Promise<void> => {
    pending.push(item)
    if (pending.length >= batchSize) await flush()
    else flushTimer ??= setTimeout(() => void flush(), 20)
  }

  async function one(file: string): Promise<void> {
    parameters.signal?.throwIfAborted()
    // Images are read once into memory and checked (format, limits, polyglots) before anything is
    // stored; other media stream through the blob store.
    const media = await inspectMedia(file)
    const put = media.bytes
      ? await ctx.blobs.putBytes(media.bytes, { deferDirSync: true })
      : await ctx.blobs.putFile(file, { signal: parameters.signal, deferDirSync: true })
    parameters.onProgress?.({ type: 'register:bytes:hashed', bytes: put.size })
    if (ctx.store.hasClaimBy(put.cid, signer.did)) {
      skipped.push({ file, cid: put.cid })
      parameters.onProgress?.({ type: 'register:asset:skipped', file, cid: put.cid, reason: 'already-registered' })
      return
    }
    const mediaType = media.mediaType
    const described: ManifestInput['asset'] = {
      cid: put.cid,
      sha256: put.sha256,
      size: put.size,
      mediaType,
      title: parameters.title ?? path.basename(file),
      ...(media.dimensions ? { dimensions: media.dimensions } : {}),
    }
    const manifest = createManifest(buildManifestInput(parameters, signer.did, described, ctx.clock.now()))
    const signed = await signStatement(manifest, signer)
    const draft: EntryDraft = {
      statementHash: sha256(statementSigningInput(manifest)),
      kind: manifest.type,
      assetCid: put.cid,
      creator: signer.did,
      createdAt: manifest.createdAt,
      asset: { cid: put.cid, sha256: put.sha256, size: put.size, mediaType },
      parents: (manifest.parents ?? []).map((p) => ({ cid: p.cid, relation: p.relation })),
      build(prior) {
        const entry: LogEntry = {
          v: 1,
          statement: signed.statement,
          signature: signed.signature,
          ...(prior.length ? { prior: prior.map((p) => ({ index: p.index, leafHash: bytesToHex(p.leafHash) })) } : {}),
        }
        const data = encodeLogEntry(entry)
        return { data, leafHash: leafHash(data) }
      },
    }
    await enqueue({ draft, file, put: { cid: put.cid, sha256: put.sha256, size: put.size }, mediaType })
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
    }
  })
  await Promise.all(workers)
  await flush()
  if (failure !== undefined) throw failure
  if (commitError !== undefined) throw commitError
  const checkpoint = ctx.store.size() > 0 ? await ctx.issueCheckpoint() : undefined
  if (checkpoint) parameters.onProgress?.({ type: 'register:checkpoint:signed', size: checkpoint.size })
  return { registered, skipped, checkpoint: checkpoint && { size: checkpoint.size, rootHash: checkpoint.rootHash } }
}

const placeholderAsset = {
  cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  size: 0,
  mediaType: 'application/octet-stream',
}

function buildManifestInput(t: RegisterTemplate, creator: string, asset: ManifestInput['asset'], now: Date): ManifestInput {
  return {
    asset: { ...asset, ...(t.description ? { description: t.description } : {}) },
    digitalSourceType: t.digitalSourceType,
    ...(t.generation ? { generation: t.generation } : {}),
    ...(t.datasets?.length ? { datasets: t.datasets } : {}),
    ...(t.parents?.length ? { parents: t.parents } : {}),
    ...(t.edits?.length ? { edits: t.edits } : {}),
    rights: {
      owner: creator,
      license: t.license,
      royalties: t.royalties?.length ? t.royalties : [{ payee: creator, bps: 10_000 }],
      ...(t.trainingMining ? { trainingMining: t.trainingMining } : {}),
    },
    creator,
    createdAt: now.toISOString(),
  } as ManifestInput
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

const imageExtensions = new Set(['png', 'jpg', 'jpeg', 'webp', 'gif', 'avif', 'tif', 'tiff'])
const maxInMemoryImage = 256 * 1024 * 1024
const maxInMemoryFile = 8 * 1024 * 1024

/** Media type from magic bytes; for images also the dimensions, after the decoder's safety checks. */
async function inspectMedia(file: string): Promise<{ mediaType: string; dimensions?: { width: number; height: number }; bytes?: Uint8Array }> {
  // Small files are read whole, once; large ones are sniffed from their first bytes and streamed.
  const { size } = await fsp.stat(file)
  const whole = size <= maxInMemoryFile ? new Uint8Array(await fsp.readFile(file)) : undefined
  const mediaType = sniffMediaType(whole ?? (await readHeader(file)), file)
  const ext = path.extname(file).slice(1).toLowerCase()
  if (!mediaType.startsWith('image/')) {
    if (imageExtensions.has(ext))
      throw new MintmarkError('IMAGE_INVALID', `${path.basename(file)} is named as an image but its bytes are not a ${ext.toUpperCase()} image.`)
    return whole ? { mediaType, bytes: whole } : { mediaType }
  }
  if (size > maxInMemoryImage) return { mediaType }
  const bytes = whole ?? new Uint8Array(await fsp.readFile(file))
  try {
    const probe = await probeImage(bytes)
    return { mediaType: probe.mediaType, dimensions: { width: probe.width, height: probe.height }, bytes }
  } catch (error) {
    if (error instanceof MintmarkError) throw new MintmarkError(error.code, `${path.basename(file)}: ${error.shortMessage}`, { cause: error })
    throw error
  }
}

async function readHeader(file: string): Promise<Uint8Array> {
  const fh = await fsp.open(file, 'r')
  try {
    const buf = Buffer.alloc(64)
    const { bytesRead } = await fh.read(buf, 0, 64, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}
