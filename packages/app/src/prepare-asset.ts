import { createHash } from 'node:crypto'
import { promises as fsp, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import {
  type CidProfileName,
  type LogEntry,
  type Manifest,
  type ManifestInput,
  MintmarkError,
  type SignedStatement,
  type Signer,
  hashBytes,
  assetSchema,
  createManifest,
  decodeLogEntry,
  encodeLogEntry,
  manifestErrorFromIssues,
  manifestSchema,
  leafHash,
  signStatement,
  statementSigningPrefix,
  canonicalize,
} from '@mintmark/core'
import type { C2paEvidenceInput, EntryDraft, FingerprintInput } from '@mintmark/storage'
import { bytesToHex } from '@noble/hashes/utils.js'
import { sniffMediaType } from './media-type.js'

// Image decoding (@mintmark/media, and the app's fingerprint and C2PA modules over it) is loaded
// on the first image only: it costs about a second of CPU to load, which register's worker
// thread would otherwise pay at start-up for every run, images or not. Storage is not loaded
// here either (types only): SHA-256 comes straight from node:crypto.
const loadMedia = () => import('@mintmark/media')
const loadEvidence = () => Promise.all([import('./fingerprints.js'), import('./c2pa.js')])

/** SHA-256 from node:crypto (OpenSSL), as `nodeSha256` in @mintmark/storage. */
const nodeSha256 = {
  digest: (bytes: Uint8Array): Uint8Array => createHash('sha256').update(bytes).digest(),
  create: () => {
    const hash = createHash('sha256')
    return {
      update: (bytes: Uint8Array): void => {
        hash.update(bytes)
      },
      digest: (): Uint8Array => hash.digest(),
    }
  },
}

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
  /** From {@link manifestFactory} for this template and signer: validates only the per-asset part. */
  makeManifest: ManifestMaker | undefined = undefined,
): Promise<{ signed: SignedStatement<Manifest>; statementHash: Uint8Array; firstClaim: { data: Uint8Array; leafHash: Uint8Array } }> {
  const input = buildManifestInput(
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
  )
  const made = makeManifest ? makeManifest(input) : { manifest: createManifest(input), jcs: undefined }
  const manifest = made.manifest
  const statementJcs = made.jcs ?? canonicalize(manifest)
  const signingInput = encoder.encode(statementSigningPrefix + statementJcs)
  const signed = await signStatement(manifest, signer, { signingInput })
  const data = encodeLogEntry({ v: 1, statement: signed.statement, signature: signed.signature }, { statementJcs })
  // node:crypto SHA-256 (several times faster than the pure-JS one on these small inputs): the
  // statement hash, and the RFC 6962 leaf hash SHA-256(0x00 || data), as core's `leafHash`.
  const statementHash = plain(nodeSha256.digest(signingInput))
  return { signed, statementHash, firstClaim: { data, leafHash: plain(createHash('sha256').update(leafPrefix).update(data).digest()) } }
}

const encoder = new TextEncoder()
const leafPrefix = new Uint8Array([0])
/** A Buffer seen as a plain Uint8Array (same memory). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/**
 * `createManifest` for many assets of one register call. Everything but `asset` and `createdAt`
 * comes from the template and the creator, so it is identical for every asset: it is validated
 * once, here (a bad flag throws before anything is read), and each call validates only the asset
 * fields and the timestamp, then reuses the validated shared part. The result equals
 * `createManifest(input)` for the same input (same errors, same canonical bytes).
 */
export function manifestFactory(template: RegisterTemplate, creator: string): ManifestMaker {
  const shared = createManifest(buildManifestInput(template, creator, placeholderAsset, placeholderCreatedAt))
  const createdAtSchema = manifestSchema.shape.createdAt
  // The canonical `"key":value` members of the shared part, made once: per asset only the asset and
  // the timestamp are serialised (JCS sorts members by key, so they are put in key order).
  const sharedMembers = new Map<string, string>()
  for (const [key, value] of Object.entries(shared)) if (key !== 'asset' && key !== 'createdAt') sharedMembers.set(key, `${canonicalize(key)}:${canonicalize(value)}`)
  return (input) => {
    const asset = assetSchema.safeParse(input.asset)
    const createdAt = createdAtSchema.safeParse(input.createdAt)
    if (!asset.success || !createdAt.success)
      throw manifestErrorFromIssues([
        ...(asset.success ? [] : asset.error.issues.map((i: (typeof asset.error.issues)[number]) => ({ ...i, path: ['asset', ...i.path] }))),
        ...(createdAt.success ? [] : createdAt.error.issues.map((i: (typeof createdAt.error.issues)[number]) => ({ ...i, path: ['createdAt', ...i.path] }))),
      ])
    const manifest: Manifest = { ...shared, asset: asset.data, createdAt: createdAt.data }
    const members = Object.keys(manifest)
      .sort()
      .map((key) => sharedMembers.get(key) ?? `${canonicalize(key)}:${canonicalize(manifest[key as keyof Manifest])}`)
    return { manifest, jcs: `{${members.join(',')}}` }
  }
}

/** A manifest and its canonical (JCS) text, from {@link manifestFactory}. */
export type ManifestMaker = (input: ManifestInput) => { manifest: Manifest; jcs: string }

/** Stands in for the per-asset part when only the shared part of a manifest is checked. */
export const placeholderAsset = {
  cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  size: 0,
  mediaType: 'application/octet-stream',
}
const placeholderCreatedAt = '2000-01-01T00:00:00.000Z'

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
export async function prepareAsset(parameters: {
  file: string
  createdAt: string
  template: RegisterTemplate
  signer: Signer
  profile?: CidProfileName | undefined
  makeManifest?: ManifestMaker | undefined
}): Promise<PreparedAsset | undefined> {
  const { file } = parameters
  // Synchronous reads on purpose: a blocking read of a file of a few MiB at most costs tens of
  // microseconds, while each async fs call costs a thread-pool round trip (measured at ~240 µs
  // per hop on the 2-core VM; fsp.readFile makes four).
  if (statSync(file).size > maxInMemoryFile) return undefined
  const read = readFileSync(file)
  return prepareBytes({ ...parameters, bytes: new Uint8Array(read.buffer, read.byteOffset, read.byteLength) })
}

/** `prepareAsset` for bytes already in memory (`file` names them: title, messages). */
export async function prepareBytes(parameters: {
  file: string
  bytes: Uint8Array
  createdAt: string
  template: RegisterTemplate
  signer: Signer
  profile?: CidProfileName | undefined
  makeManifest?: ManifestMaker | undefined
}): Promise<PreparedAsset> {
  const { file, template, signer } = parameters
  const media = await inspectBytes(parameters.bytes, file)
  if (!media.bytes) throw new MintmarkError('INTERNAL', 'inspectBytes dropped in-memory bytes.')
  const { cid, sha256: sha, size } = hashBytes(media.bytes, { ...(parameters.profile ? { profile: parameters.profile } : {}), sha256: nodeSha256 })
  const asset: AssetFacts = { cid, sha256: sha, size, mediaType: media.mediaType, ...(media.dimensions ? { dimensions: media.dimensions } : {}) }
  const { signed, statementHash, firstClaim } = await describeAndSign(template, signer, asset, path.basename(file), parameters.createdAt, parameters.makeManifest)
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

/**
 * The store draft of an asset prepared elsewhere (register's worker thread), from the first
 * claim's leaf data alone: the signed statement is decoded from it only in the rare case of an
 * earlier claim on the same asset (by another creator), to encode the later claim.
 */
export function entryDraftFromLeaf(
  prepared: { statementHash: Uint8Array; firstClaim: { data: Uint8Array; leafHash: Uint8Array }; asset: { cid: string; sha256: string; size: number; mediaType: string } },
  shared: { kind: string; createdAt: string; parents: readonly { cid: string; relation: string }[] },
  creator: string,
  evidence: MediaEvidence = {},
): EntryDraft {
  const { asset, firstClaim } = prepared
  return {
    statementHash: prepared.statementHash,
    kind: shared.kind,
    assetCid: asset.cid,
    creator,
    createdAt: shared.createdAt,
    asset: { cid: asset.cid, sha256: asset.sha256, size: asset.size, mediaType: asset.mediaType },
    parents: shared.parents.map((p) => ({ cid: p.cid, relation: p.relation })),
    build: (prior) => {
      if (prior.length === 0) return firstClaim
      const entry = decodeLogEntry(firstClaim.data)
      return encodeClaim(
        { statement: entry.statement as Manifest, signature: entry.signature as SignedStatement<Manifest>['signature'] },
        prior.map((p) => ({ index: p.index, leafHash: bytesToHex(p.leafHash) })),
      )
    },
    ...(evidence.fingerprints?.length ? { fingerprints: evidence.fingerprints } : {}),
    ...(evidence.c2pa ? { c2pa: evidence.c2pa } : {}),
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
  const [{ fingerprintImage, withFileName }, { readC2paEvidence, toC2paEvidenceInput }] = await loadEvidence()
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
/** Files up to this size are read whole (and their blobs packed); larger ones are streamed. */
export const maxInMemoryFile = 8 * 1024 * 1024

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
    const { probeImage } = await loadMedia()
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
