import { promises as fsp, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  type CidProfileName,
  type LogEntry,
  type Manifest,
  type ManifestInput,
  MintmarkError,
  type SignedStatement,
  type Signer,
  createContentHasher,
  createManifest,
  encodeLogEntry,
  leafHash,
  signStatement,
  statementSigningPrefix,
  canonicalize,
} from '@mintmark/core'
import { probeImage } from '@mintmark/media'
import { type C2paEvidenceInput, type EntryDraft, type FingerprintInput, nodeSha256 } from '@mintmark/storage'
import { bytesToHex } from '@noble/hashes/utils.js'
import { readC2paEvidence, toC2paEvidenceInput } from './c2pa.js'
import { fingerprintImage, withFileName } from './fingerprints.js'
import { sniffMediaType } from './media-type.js'

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

export type AssetFacts = { cid: string; sha256: string; size: number; mediaType: string; dimensions?: { width: number; height: number } | undefined }

/** A small asset made ready for the commit: read once, hashed, described, signed, encoded. */
export type PreparedAsset = {
  file: string
  asset: AssetFacts
  /** The file's bytes (the caller stores them under `asset.cid`). */
  bytes: Uint8Array
  signed: SignedStatement<Manifest>
  statementHash: Uint8Array
  /** Leaf data and hash for the common case: no earlier claim on the asset. */
  firstClaim: { data: Uint8Array; leafHash: Uint8Array }
}

/**
 * Builds the manifest for one asset and signs it (small and streamed files alike). The
 * statement is serialised (JCS) once: the signature, the statement hash and the first claim's leaf
 * data are all made from those bytes.
 */
export async function describeAndSign(
  template: RegisterTemplate,
  signer: Signer,
  asset: AssetFacts,
  title: string,
  createdAt: string,
): Promise<{ signed: SignedStatement<Manifest>; statementHash: Uint8Array; firstClaim: { data: Uint8Array; leafHash: Uint8Array } }> {
  const manifest = createManifest(
    buildManifestInput(
      template,
      signer.did,
      {
        cid: asset.cid,
        sha256: asset.sha256,
        size: asset.size,
        mediaType: asset.mediaType,
        title: template.title ?? title,
        ...(asset.dimensions ? { dimensions: asset.dimensions } : {}),
      },
      createdAt,
    ),
  )
  const statementJcs = canonicalize(manifest)
  const signingInput = encoder.encode(statementSigningPrefix + statementJcs)
  const signed = await signStatement(manifest, signer, { signingInput })
  const data = encodeLogEntry({ v: 1, statement: signed.statement, signature: signed.signature }, { statementJcs })
  return { signed, statementHash: sha256(signingInput), firstClaim: { data, leafHash: leafHash(data) } }
}

const encoder = new TextEncoder()

/** The leaf data of a later claim, given the earlier claims on the same asset. */
export function encodeClaim(signed: SignedStatement<Manifest>, prior: readonly { index: number; leafHash: string }[]): { data: Uint8Array; leafHash: Uint8Array } {
  const entry: LogEntry = { v: 1, statement: signed.statement, signature: signed.signature, ...(prior.length ? { prior: [...prior] } : {}) }
  const data = encodeLogEntry(entry)
  return { data, leafHash: leafHash(data) }
}

/**
 * Reads, checks, hashes, describes and signs one file that fits in memory. Returns undefined for
 * a file too large to hold: the caller streams it through the blob store instead.
 */
export async function prepareAsset(
  parameters: { file: string; createdAt: string; template: RegisterTemplate; signer: Signer; profile?: CidProfileName | undefined },
): Promise<PreparedAsset | undefined> {
  const { file } = parameters
  // Synchronous reads on purpose: a blocking read of a file of a few MiB at most costs tens of
  // microseconds, while each async fs call costs a thread-pool round trip (measured at ~240 µs
  // per hop on the 2-core VM; fsp.readFile makes four).
  if (statSync(file).size > maxInMemoryFile) return undefined
  const read = readFileSync(file)
  return prepareBytes({ ...parameters, bytes: new Uint8Array(read.buffer, read.byteOffset, read.byteLength) })
}

/** `prepareAsset` for bytes already in memory (`file` names them: title, messages). */
export async function prepareBytes(
  parameters: { file: string; bytes: Uint8Array; createdAt: string; template: RegisterTemplate; signer: Signer; profile?: CidProfileName | undefined },
): Promise<PreparedAsset> {
  const { file, template, signer } = parameters
  const media = await inspectBytes(parameters.bytes, file)
  if (!media.bytes) throw new MintmarkError('INTERNAL', 'inspectBytes dropped in-memory bytes.')
  const hasher = createContentHasher({ ...(parameters.profile ? { profile: parameters.profile } : {}), sha256: nodeSha256 })
  hasher.update(media.bytes)
  const { cid, sha256: sha, size } = hasher.finish()
  const asset: AssetFacts = { cid, sha256: sha, size, mediaType: media.mediaType, ...(media.dimensions ? { dimensions: media.dimensions } : {}) }
  const { signed, statementHash, firstClaim } = await describeAndSign(template, signer, asset, path.basename(file), parameters.createdAt)
  return { file, asset, bytes: media.bytes, signed, statementHash, firstClaim }
}

/** The store draft of a signed statement about one asset, with the media evidence found in it. */
export function entryDraft(
  prepared: Pick<PreparedAsset, 'signed' | 'statementHash' | 'firstClaim'> & { asset: { cid: string; sha256: string; size: number; mediaType: string } },
  creator: string,
  evidence: MediaEvidence = {},
  expectIndex?: number,
): EntryDraft {
  const { signed, asset, firstClaim } = prepared
  return {
    statementHash: prepared.statementHash,
    kind: signed.statement.type,
    assetCid: asset.cid,
    creator,
    createdAt: signed.statement.createdAt,
    asset: { cid: asset.cid, sha256: asset.sha256, size: asset.size, mediaType: asset.mediaType },
    parents: (signed.statement.parents ?? []).map((p) => ({ cid: p.cid, relation: p.relation })),
    build: (prior) => (prior.length === 0 ? firstClaim : encodeClaim(signed, prior.map((p) => ({ index: p.index, leafHash: bytesToHex(p.leafHash) })))),
    ...(evidence.fingerprints?.length ? { fingerprints: evidence.fingerprints } : {}),
    ...(evidence.c2pa ? { c2pa: evidence.c2pa } : {}),
    ...(expectIndex === undefined ? {} : { expectIndex }),
  }
}

export type MediaEvidence = { fingerprints?: FingerprintInput[] | undefined; c2pa?: C2paEvidenceInput | undefined }

/**
 * What register keeps about an image besides its statement: the PDQ fingerprint and any C2PA
 * manifest it carries. Nothing for other media (no decode: a binary file costs nothing here).
 * A C2PA container that cannot be read is not evidence and is passed over; an image PDQ cannot
 * decode is an error (`IMAGE_INVALID`: named or sniffed as an image, and not one).
 */
export async function mediaEvidence(bytes: Uint8Array, mediaType: string, file: string): Promise<MediaEvidence> {
  if (!mediaType.startsWith('image/')) return {}
  let fingerprints: FingerprintInput[]
  try {
    fingerprints = await fingerprintImage(bytes, mediaType)
  } catch (error) {
    throw withFileName(error, path.basename(file))
  }
  const c2pa = await readC2paEvidence(bytes, mediaType).catch(() => undefined)
  return { ...(fingerprints.length ? { fingerprints } : {}), ...(c2pa ? { c2pa: toC2paEvidenceInput(c2pa) } : {}) }
}

export function buildManifestInput(t: RegisterTemplate, creator: string, asset: ManifestInput['asset'], createdAt: string): ManifestInput {
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
    createdAt,
  } as ManifestInput
}

const imageExtensions = new Set(['png', 'jpg', 'jpeg', 'webp', 'gif', 'avif', 'tif', 'tiff'])
const maxInMemoryImage = 256 * 1024 * 1024
const maxInMemoryFile = 8 * 1024 * 1024

/** Media type from magic bytes; for images also the dimensions, after the decoder's safety checks. */
export async function inspectMedia(file: string): Promise<{ mediaType: string; dimensions?: { width: number; height: number }; bytes?: Uint8Array }> {
  // Small files are read whole, once; large ones are sniffed from their first bytes and streamed.
  const { size } = await fsp.stat(file)
  if (size <= maxInMemoryFile) return inspectBytes(await readWhole(file), file)
  const mediaType = sniffMediaType(await readHeader(file), file)
  if (!mediaType.startsWith('image/') || size > maxInMemoryImage) return inspectBytes(undefined, file, mediaType)
  return inspectBytes(await readWhole(file), file)
}

/**
 * Checks a file's bytes (or, for a file too large to hold, its sniffed type): a name that claims
 * an image must hold one, and an image must pass the decoder's limits.
 */
async function inspectBytes(
  whole: Uint8Array | undefined,
  file: string,
  sniffed?: string,
): Promise<{ mediaType: string; dimensions?: { width: number; height: number }; bytes?: Uint8Array }> {
  const mediaType = sniffed ?? sniffMediaType(whole as Uint8Array, file)
  const ext = path.extname(file).slice(1).toLowerCase()
  if (!mediaType.startsWith('image/')) {
    if (imageExtensions.has(ext))
      throw new MintmarkError('IMAGE_INVALID', `${path.basename(file)} is named as an image but its bytes are not a ${ext.toUpperCase()} image.`)
    return whole ? { mediaType, bytes: whole } : { mediaType }
  }
  if (!whole) return { mediaType }
  try {
    const probe = await probeImage(whole)
    return { mediaType: probe.mediaType, dimensions: { width: probe.width, height: probe.height }, bytes: whole }
  } catch (error) {
    if (error instanceof MintmarkError) throw new MintmarkError(error.code, `${path.basename(file)}: ${error.shortMessage}`, { cause: error })
    throw error
  }
}

/** The file's bytes in an ArrayBuffer of their own (never a slice of Node's shared pool: they may be transferred). */
async function readWhole(file: string): Promise<Uint8Array> {
  const buf = await fsp.readFile(file)
  return buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? new Uint8Array(buf.buffer) : new Uint8Array(buf)
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
