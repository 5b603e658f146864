import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { MintmarkError, createContentHasher } from '@mintmark/core'
import { nodeSha256 } from '@mintmark/storage'
import { detectWatermark, embedWatermark, sniffImageFormat } from '@mintmark/media'
import { type AppContext, requireSqlite } from './open-app.js'
import { entryDraft, mediaEvidence, prepareBytes } from './prepare-asset.js'
import type { RegisterParameters, RegisterReturnType, RegisteredAsset } from './register.js'

/**
 * The watermark payload is the log index the record gets, as 8 bytes big-endian: anyone with the
 * home's watermark key and the (public) log can resolve it, no side table is needed. See ADR 0010.
 */
export function payloadForIndex(index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) throw new MintmarkError('INPUT_INVALID', `A log index is a whole number ≥ 0, got ${index}.`)
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(index))
  return out
}

/** The log index a payload names, or undefined when it is not one (beyond 2^53). */
export function indexFromPayload(payload: Uint8Array): number | undefined {
  if (payload.length !== 8) return undefined
  const n = new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0)
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined
}

export const watermarkKeyFile = (home: string) => path.join(home, 'keys', 'watermark.key')

/**
 * The home's watermark key (32 bytes), or undefined when none was made yet. The file is JSON
 * `{ v: 1, type: "mintmark-watermark", key: <hex> }`, mode 0600; like the other key files it is
 * refused when group or others may read it.
 *
 * @throws MintmarkError `KEY_FILE_PERMISSIONS`, `KEY_INVALID`, `STORE_IO`.
 */
export async function readWatermarkKey(home: string): Promise<Uint8Array | undefined> {
  const file = watermarkKeyFile(home)
  let text: string
  try {
    const st = await fsp.stat(file)
    if (st.mode & 0o077)
      throw new MintmarkError('KEY_FILE_PERMISSIONS', `Key file ${file} is accessible to other users; refusing to use it.`, {
        details: `mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}`,
        metaMessages: [`Run: chmod 600 ${file}`],
      })
    text = await fsp.readFile(file, 'utf8')
  } catch (cause) {
    if (cause instanceof MintmarkError) throw cause
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new MintmarkError('STORE_IO', `Cannot read the watermark key ${file}.`, { cause })
  }
  try {
    const body = JSON.parse(text) as { v?: unknown; type?: unknown; key?: unknown }
    if (body.v !== 1 || body.type !== 'mintmark-watermark' || typeof body.key !== 'string' || !/^[0-9a-f]{64}$/.test(body.key)) throw new Error('bad key file')
    return hexToBytes(body.key)
  } catch (cause) {
    throw new MintmarkError('KEY_INVALID', `The watermark key file ${file} is not a Mintmark watermark key.`, { cause })
  }
}

/** The home's watermark key, created (32 random bytes, mode 0600) on first use. */
export async function watermarkKey(home: string): Promise<Uint8Array> {
  const existing = await readWatermarkKey(home)
  if (existing) return existing
  const file = watermarkKeyFile(home)
  const key = new Uint8Array(randomBytes(32))
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  try {
    const fh = await fsp.open(tmp, 'wx', 0o600)
    await fh.writeFile(`${JSON.stringify({ v: 1, type: 'mintmark-watermark', key: bytesToHex(key) })}\n`)
    await fh.sync()
    await fh.close()
    // link fails if another process created the key meanwhile: then that one is the key.
    await fsp.link(tmp, file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e
    })
  } catch (cause) {
    throw new MintmarkError('STORE_IO', `Cannot create the watermark key ${file}.`, { cause })
  } finally {
    await fsp.rm(tmp, { force: true })
  }
  return (await readWatermarkKey(home)) as Uint8Array
}

export type WatermarkDetection = {
  found: boolean
  /** The 8-byte payload, hex. */
  payload?: string
  /** The log index the payload names. */
  logIndex?: number
  /** The record at that index, when this log has it. */
  record?: { cid: string; logIndex: number; creator: string; createdAt: string }
  bitAccuracy: number
  confidence: number
  pilotZ: number
}

/**
 * Looks for this home's watermark in an image and resolves the payload to a log entry. Without a
 * watermark key (nothing was ever watermarked here) the answer is `found: false`.
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_INVALID`, `IMAGE_TOO_LARGE`, key file errors.
 */
export async function detectWatermarkBytes(ctx: AppContext, bytes: Uint8Array): Promise<WatermarkDetection> {
  const key = await readWatermarkKey(ctx.home)
  if (!key) return { found: false, bitAccuracy: 0, confidence: 0, pilotZ: 0 }
  const r = await detectWatermark(bytes, { key })
  const base = { found: r.found, bitAccuracy: r.bitAccuracy, confidence: r.confidence, pilotZ: Number.isFinite(r.pilotZ) ? r.pilotZ : 0 }
  if (!r.found || !r.payload) return base
  const logIndex = indexFromPayload(r.payload)
  const stored = logIndex === undefined ? undefined : await ctx.store.getEntry(logIndex)
  const decoded = stored?.assetCid ? (await ctx.entriesFor(stored.assetCid)).find((e) => e.index === logIndex) : undefined
  return {
    ...base,
    payload: bytesToHex(r.payload),
    ...(logIndex === undefined ? {} : { logIndex }),
    ...(decoded && stored?.assetCid
      ? { record: { cid: stored.assetCid, logIndex: decoded.index, creator: decoded.entry.statement.creator, createdAt: decoded.entry.statement.createdAt } }
      : {}),
  }
}

export async function detectWatermarkFile(ctx: AppContext, file: string): Promise<WatermarkDetection & { file: string }> {
  return { file, ...(await detectWatermarkBytes(ctx, await readInput(file))) }
}

export type EmbedWatermarkFileParameters = {
  /** Output file; default `<name>.wm.<ext>` next to the input. */
  out?: string | undefined
  /** 8 bytes as 16 hex digits; default the log index of the file's own record. */
  payload?: string | undefined
  /** Log index to carry (must exist in this log). */
  logIndex?: number | undefined
}

/**
 * Writes a watermarked copy of an image (the input is not changed). The payload is a log index:
 * by default the first record of the file's own content, so a copy that loses its metadata still
 * leads back to it; or one given explicitly.
 *
 * @throws MintmarkError `ASSET_NOT_FOUND` (no record and no payload), `LOG_ENTRY_NOT_FOUND`,
 * `USAGE_INVALID`, `WATERMARK_IMAGE_TOO_SMALL` and the image errors.
 */
export async function embedWatermarkFile(ctx: AppContext, file: string, parameters: EmbedWatermarkFileParameters = {}) {
  const bytes = await readInput(file)
  let payload: Uint8Array
  let logIndex: number | undefined
  if (parameters.payload !== undefined) {
    if (!/^[0-9a-fA-F]{16}$/.test(parameters.payload)) throw new MintmarkError('USAGE_INVALID', 'A watermark payload is 16 hex digits (8 bytes).', { fields: ['payload'] })
    payload = hexToBytes(parameters.payload.toLowerCase())
    logIndex = indexFromPayload(payload)
  } else {
    if (parameters.logIndex === undefined) {
      const hasher = createContentHasher({ profile: ctx.config.profile, sha256: nodeSha256 })
      hasher.update(bytes)
      const { cid } = hasher.finish()
      logIndex = (await ctx.entriesFor(cid))[0]?.index
      if (logIndex === undefined)
        throw new MintmarkError('ASSET_NOT_FOUND', `No record of ${path.basename(file)} (${cid}) in this log to point the watermark at.`, {
          metaMessages: ['Register it first (`mintmark register --watermark` does both), or pass --index N or --payload HEX.'],
        })
    } else {
      logIndex = parameters.logIndex
      if (!(await ctx.store.getEntry(logIndex))) throw new MintmarkError('LOG_ENTRY_NOT_FOUND', `No log entry ${logIndex}.`)
    }
    payload = payloadForIndex(logIndex)
  }
  const key = await watermarkKey(ctx.home)
  const marked = await embedWatermark(bytes, { payload, key, ...outputFormat(bytes) })
  const out = parameters.out ?? defaultWatermarkedPath(file, undefined, marked.format)
  await writeAtomic(out, marked.bytes)
  return { file, out, payload: bytesToHex(payload), ...(logIndex === undefined ? {} : { logIndex }), psnr: marked.psnr, width: marked.width, height: marked.height }
}

/** `<dir>/<name>.wm.<ext>` (dir: the input's own, or `outDir`). */
export function defaultWatermarkedPath(file: string, outDir: string | undefined, format: string): string {
  const ext = path.extname(file)
  const base = path.basename(file, ext)
  const wanted = format === 'jpeg' ? (/^\.jpe?g$/i.test(ext) ? ext : '.jpg') : `.${format === 'tiff' ? 'tif' : format}`
  return path.join(outDir ?? path.dirname(file), `${base}.wm${ext.toLowerCase() === wanted.toLowerCase() ? ext : wanted}`)
}

/** GIF keeps its palette and loses the mark: such images are written as PNG. */
function outputFormat(bytes: Uint8Array): { format?: 'png' } {
  try {
    return sniffImageFormat(bytes)?.format === 'gif' ? { format: 'png' } : {}
  } catch {
    return {}
  }
}

export type WatermarkedAsset = RegisteredAsset & { original: string; payload: string }

/**
 * `register --watermark`: for each image, a copy carrying the log index it will get is made,
 * stored, described, signed and appended; the copy is what is registered (its CID), and is
 * written to `<name>.wm.<ext>` (next to the original, or in `outDir`) once its record is
 * committed. Files go one at a time: the index is reserved optimistically (`expectIndex`) and the
 * file is re-marked if another writer took it (`LOG_APPEND_CONFLICT`, a few retries).
 */
export async function registerWatermarked(
  ctx: AppContext,
  parameters: Omit<RegisterParameters, 'concurrency' | 'batchSize'> & { outDir?: string | undefined },
): Promise<RegisterReturnType & { registered: WatermarkedAsset[] }> {
  const { files, outDir, onProgress, signal, ...template } = parameters
  if (!files.length) throw new MintmarkError('USAGE_INVALID', 'No files to register.')
  // The mark carries the entry's log index, reserved with `expectIndex`: a queued registration
  // (PostgreSQL) learns its index only once the sequencer appended it.
  requireSqlite(ctx, 'register --watermark')
  ctx.assertWritable()
  const signer = await ctx.getSigner()
  const key = await watermarkKey(ctx.home)
  if (outDir) await fsp.mkdir(outDir, { recursive: true })
  const registered: WatermarkedAsset[] = []
  const skipped: { file: string; cid: string }[] = []
  for (const file of files) {
    signal?.throwIfAborted()
    const original = await readInput(file)
    const format = outputFormat(original)
    for (let attempt = 0; ; attempt++) {
      const index = await ctx.store.size()
      const payload = payloadForIndex(index)
      const marked = await embedWatermark(original, { payload, key, ...format })
      const out = defaultWatermarkedPath(file, outDir, marked.format)
      const prepared = await prepareBytes({ file: out, bytes: marked.bytes, createdAt: ctx.clock.now().toISOString(), template, signer, profile: ctx.config.profile })
      onProgress?.({ type: 'register:bytes:hashed', bytes: prepared.asset.size })
      if (await ctx.store.hasClaimBy(prepared.asset.cid, signer.did)) {
        skipped.push({ file, cid: prepared.asset.cid })
        onProgress?.({ type: 'register:asset:skipped', file, cid: prepared.asset.cid, reason: 'already-registered' })
        break
      }
      const evidence = await mediaEvidence(marked.bytes, prepared.asset.mediaType, out)
      const tmp = `${out}.${process.pid}.tmp`
      await writeAtomic(tmp, marked.bytes, false)
      try {
        await ctx.blobs.putHashed(prepared.asset, marked.bytes, { deferSync: true })
        await ctx.blobs.flush()
        ctx.assertWritable() // a freeze by another process during the run
        const [result] = await ctx.store.appendEntries([entryDraft(prepared, signer.did, evidence, index)])
        if (!result) throw new MintmarkError('INTERNAL', 'The store returned no result for the entry.')
        await fsp.rename(tmp, out)
        const asset: WatermarkedAsset = {
          file: out,
          original: file,
          payload: bytesToHex(payload),
          cid: prepared.asset.cid,
          sha256: prepared.asset.sha256,
          size: prepared.asset.size,
          mediaType: prepared.asset.mediaType,
          logIndex: result.index,
          leafHash: bytesToHex(result.leafHash),
        }
        registered.push(asset)
        onProgress?.({ type: 'register:asset:committed', asset })
        break
      } catch (error) {
        await fsp.rm(tmp, { force: true })
        if (error instanceof MintmarkError && error.code === 'LOG_APPEND_CONFLICT' && attempt < 4) continue
        throw error
      }
    }
  }
  const checkpoint = (await ctx.store.size()) > 0 ? await ctx.issueCheckpoint() : undefined
  if (checkpoint) onProgress?.({ type: 'register:checkpoint:signed', size: checkpoint.size })
  return { registered, skipped, checkpoint: checkpoint && { size: checkpoint.size, rootHash: checkpoint.rootHash } }
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fsp.readFile(file))
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new MintmarkError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `Cannot read ${file}${code ? ` (${code})` : ''}.`, { cause })
  }
}

/** Writes via a temporary file and rename (sync first), so a reader never sees half a file. */
export async function writeAtomic(file: string, bytes: Uint8Array, rename = true): Promise<void> {
  const tmp = rename ? `${file}.${process.pid}.tmp` : file
  try {
    const fh = await fsp.open(tmp, 'w', 0o644)
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    if (rename) await fsp.rename(tmp, file)
  } catch (cause) {
    if (rename) await fsp.rm(tmp, { force: true })
    throw new MintmarkError('FILE_NOT_WRITABLE', `Cannot write ${file}${(cause as NodeJS.ErrnoException).code ? ` (${(cause as NodeJS.ErrnoException).code})` : ''}.`, { cause })
  }
}
