import { MintmarkError, isErrorCode } from '@mintmark/core'
import type { EntryDraft, EntryRef } from '../sqlite/sqlite-store.js'
import { fingerprintChunks } from './append.js'

/**
 * A registration as an API node queues it: an {@link EntryDraft} without the `build` callback
 * (the sequencer builds the leaf later, when it knows the earlier claims on the asset) and with
 * `payload`, opaque bytes from which the sequencer's {@link BuildLeaf} makes the leaf (for the
 * app: the signed statement). No `expectIndex`: the index is only known when it is sequenced.
 */
export type QueueDraft = Omit<EntryDraft, 'build' | 'expectIndex'> & { payload: Uint8Array }

/** Makes the leaf data of a queued registration from its payload and the earlier entries about its asset (oldest first). */
export type BuildLeaf = (payload: Uint8Array, prior: EntryRef[]) => { data: Uint8Array; leafHash: Uint8Array }

/** The draft's fields as stored in `queue.draft` (jsonb). */
type DraftJson = {
  kind: string
  assetCid: string | null
  creator: string
  createdAt: string
  asset?: { cid: string; sha256: string; size: number; mediaType: string }
  parents?: { cid: string; relation: string }[]
  fingerprints?: { algorithm: string; hash: string; quality: number }[]
  c2pa?: NonNullable<EntryDraft['c2pa']>
}

/**
 * Checks a queued draft before anything is written (INPUT_INVALID): what would make the
 * sequencer's insert fail later must be refused now, or one bad row would stop the log.
 */
export function assertQueueDraft(d: QueueDraft, at: number): void {
  const bad = (why: string, field: string): MintmarkError =>
    new MintmarkError('INPUT_INVALID', `Queued registration ${at}: ${why}.`, { fields: [`drafts[${at}].${field}`] })
  if (!(d.statementHash instanceof Uint8Array) || d.statementHash.length < 16 || d.statementHash.length > 64)
    throw bad('statementHash must be 16 to 64 bytes', 'statementHash')
  if (!(d.payload instanceof Uint8Array)) throw bad('payload must be bytes', 'payload')
  if ('expectIndex' in d && (d as { expectIndex?: unknown }).expectIndex !== undefined)
    throw bad('expectIndex cannot be queued: the sequencer assigns the index', 'expectIndex')
  for (const [field, v] of [['kind', d.kind], ['creator', d.creator], ['createdAt', d.createdAt]] as const)
    if (typeof v !== 'string' || !v) throw bad(`${field} must be a non-empty string`, field)
  if (d.assetCid !== null && (typeof d.assetCid !== 'string' || !d.assetCid)) throw bad('assetCid must be a non-empty string or null', 'assetCid')
  if (d.asset && (!Number.isSafeInteger(d.asset.size) || d.asset.size < 0)) throw bad('asset.size must be a non-negative integer', 'asset.size')
  if ((d.fingerprints?.length || d.c2pa) && (!d.assetCid || d.asset?.cid !== d.assetCid))
    throw bad('fingerprints and C2PA evidence need the asset (asset.cid = assetCid) in the same draft', 'asset')
  d.fingerprints?.forEach((fp, k) => {
    try {
      fingerprintChunks(fp)
    } catch {
      throw bad('a fingerprint needs a 32-byte hash and a quality from 0 to 100', `fingerprints[${k}]`)
    }
  })
  // PostgreSQL text and jsonb cannot hold U+0000.
  if (hasNul(toDraftJson(d))) throw bad('text fields must not contain U+0000', 'kind')
}

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000')
  if (Array.isArray(v)) return v.some(hasNul)
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x))
  return false
}

export function toDraftJson(d: QueueDraft): DraftJson {
  return {
    kind: d.kind,
    assetCid: d.assetCid,
    creator: d.creator,
    createdAt: d.createdAt,
    ...(d.asset ? { asset: { cid: d.asset.cid, sha256: d.asset.sha256, size: d.asset.size, mediaType: d.asset.mediaType } } : {}),
    ...(d.parents?.length ? { parents: d.parents.map((p) => ({ cid: p.cid, relation: p.relation })) } : {}),
    ...(d.fingerprints?.length
      ? { fingerprints: d.fingerprints.map((f) => ({ algorithm: f.algorithm, hash: Buffer.from(f.hash).toString('hex'), quality: f.quality })) }
      : {}),
    ...(d.c2pa ? { c2pa: d.c2pa } : {}),
  }
}

/** A queued row back as an {@link EntryDraft} whose `build` calls `buildLeaf` with the payload. */
export function fromQueueRow(row: { statement_hash: Buffer; draft: string; payload: Buffer }, buildLeaf: BuildLeaf): EntryDraft {
  const j = JSON.parse(row.draft) as DraftJson
  const payload = new Uint8Array(row.payload)
  return {
    statementHash: new Uint8Array(row.statement_hash),
    kind: j.kind,
    assetCid: j.assetCid,
    creator: j.creator,
    createdAt: j.createdAt,
    ...(j.asset ? { asset: j.asset } : {}),
    ...(j.parents ? { parents: j.parents } : {}),
    ...(j.fingerprints ? { fingerprints: j.fingerprints.map((f) => ({ algorithm: f.algorithm, hash: new Uint8Array(Buffer.from(f.hash, 'hex')), quality: f.quality })) } : {}),
    ...(j.c2pa ? { c2pa: j.c2pa } : {}),
    build: (prior) => buildLeaf(payload, prior),
  }
}

/** What is stored in `queue.error` for a registration the sequencer could not build. */
export function queueErrorOf(error: unknown): { code: string; message: string } {
  if (error instanceof MintmarkError) return { code: error.code, message: error.shortMessage }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

/** The error a waiter receives for a rejected registration. */
export function queueErrorToMintmark(stored: { code: string; message: string }, seq: number): MintmarkError {
  const code = isErrorCode(stored.code) ? stored.code : 'INTERNAL'
  return new MintmarkError(code, stored.message, { details: `queue seq ${seq}` })
}
