import { deriveVerdict, type Check } from '@mintmark/core'
import { ApiError } from '../api/client.js'
import { findCandidates, getBundle } from '../api/endpoints.js'
import type { C2paEvidence, VerifyCandidate } from '../api/types.js'
import { type FileHash, hashFile } from './hash-file.js'
import { type RecordVerification, type UiCheck, type Verdict, verifyRecord } from './verify-record.js'

export type CandidateResult = VerifyCandidate & { browser: RecordVerification }

export type FileVerification = {
  verdict: Verdict
  checks: UiCheck[]
  file: { name: string; size: number } & FileHash
  /** The record the file was checked against (exact match, the expected CID, or a dropped bundle). */
  record?: RecordVerification & { cid: string }
  candidates?: CandidateResult[]
  /** Why the candidate search could not run (the exact lookup still stands). */
  candidateError?: ApiError | undefined
  c2pa?: C2paEvidence | undefined
}

export type VerifyFileParameters = {
  file: File
  /** A provenance bundle dropped next to the file (parsed JSON). */
  bundle?: unknown
  /** The record the file is expected to be (from an asset page's "check a copy"). */
  expectCid?: string | undefined
  onStage?: ((stage: string) => void) | undefined
  onProgress?: ((done: number, total: number) => void) | undefined
  signal?: AbortSignal | undefined
}

/** Files up to one legacy chunk have the same CID under every profile. */
const smallestChunk = 262_144

/**
 * Verifies a dropped file in the browser: hash it (content address as the CLI computes it), find
 * its record (exact CID, or the one asked for, or the dropped bundle), verify that record with
 * core. With no exact record, ask the server for candidates (C2PA reference, watermark, PDQ) and
 * verify each candidate's own record here; candidates never make the file "verified".
 */
export async function verifyDroppedFile(p: VerifyFileParameters): Promise<FileVerification> {
  const { signal } = p
  p.onStage?.('Computing the file’s content address in your browser…')
  let hash = await hashFile(p.file, { onProgress: p.onProgress, signal })
  const rehashKubo = async () => {
    p.onStage?.('Computing the content address with the legacy profile (256 KiB chunks)…')
    return hashFile(p.file, { profile: 'kubo-v1', onProgress: p.onProgress, signal })
  }
  const fileOf = (h: FileHash) => ({ name: p.file.name, ...h })

  // The file against a given record: a dropped bundle, or the record the page was opened for.
  if (p.bundle !== undefined || p.expectCid) {
    p.onStage?.('Fetching and verifying the record…')
    const bundle = p.bundle ?? (await getBundle(p.expectCid as string, signal))
    const asset = assetOf(bundle)
    // The CID does not say which chunking made it: same bytes (sha256) but another CID → legacy profile.
    if (asset && hash.cid !== asset.cid && hash.sha256 === asset.sha256 && p.file.size > smallestChunk) hash = await rehashKubo()
    const record = await verifyRecord({ bundle, source: p.bundle !== undefined ? 'file' : 'server', content: hash, signal })
    return { verdict: record.verdict, checks: record.checks, file: fileOf(hash), record: { ...record, cid: asset?.cid ?? p.expectCid ?? hash.cid } }
  }

  p.onStage?.('Looking up the record of this exact file…')
  let bundle = await bundleOrUndefined(hash.cid, signal)
  if (bundle === undefined && p.file.size > smallestChunk) {
    const legacy = await rehashKubo()
    bundle = await bundleOrUndefined(legacy.cid, signal)
    if (bundle !== undefined) hash = legacy
  }
  if (bundle !== undefined) {
    p.onStage?.('Verifying the record in your browser…')
    const record = await verifyRecord({ bundle, source: 'server', content: hash, signal })
    return { verdict: record.verdict, checks: record.checks, file: fileOf(hash), record: { ...record, cid: hash.cid } }
  }

  // No exact record: leads from the server, each verified here.
  const checks: UiCheck[] = [
    { code: 'FILE_HASHED', status: 'pass', detail: `The file hashes to ${hash.cid} (profile ${hash.profile}).` },
    { code: 'RECORD_FOUND', status: 'skip', detail: `No record of ${hash.cid} on this server.` },
  ]
  p.onStage?.('No exact record. Looking for similar registered files…')
  let candidates: CandidateResult[] = []
  let candidateError: ApiError | undefined
  let c2pa: C2paEvidence | undefined
  try {
    const report = await findCandidates(p.file, signal)
    c2pa = report.c2pa
    for (const c of report.candidates ?? []) {
      const browser = await verifyRecord({ bundle: await getBundle(c.cid, signal), source: 'server', signal })
      candidates.push({ ...c, browser })
      const failed = browser.checks.find((k) => k.status === 'fail')
      checks.push(
        failed
          ? { code: 'FINGERPRINT_MATCH', status: 'fail', error: failed.error, detail: `Candidate record #${c.logIndex} (${c.evidence}) does not verify: ${failed.detail}` }
          : { code: 'FINGERPRINT_MATCH', status: 'pass', detail: `Candidate (${c.evidence}): ${c.detail} Its record verifies in this browser; your file is not its content.` },
      )
    }
    if (!candidates.length) checks.push({ code: 'FINGERPRINT_MATCH', status: 'skip', detail: 'No C2PA reference, watermark or similar image leads to a record on this server.' })
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error
    candidateError = error instanceof ApiError ? error : new ApiError('INTERNAL', (error as Error).message, 0)
    candidates = []
  }
  return { verdict: deriveVerdict(checks as Check[]), checks, file: fileOf(hash), candidates, candidateError, c2pa }
}

async function bundleOrUndefined(cid: string, signal: AbortSignal | undefined): Promise<unknown> {
  try {
    return await getBundle(cid, signal)
  } catch (error) {
    if (error instanceof ApiError && error.code === 'ASSET_NOT_FOUND') return undefined
    throw error
  }
}

function assetOf(bundle: unknown): { cid: string; sha256: string } | undefined {
  const asset = (bundle as { entry?: { statement?: { asset?: { cid?: unknown; sha256?: unknown } } } } | null)?.entry?.statement?.asset
  return typeof asset?.cid === 'string' && typeof asset.sha256 === 'string' ? { cid: asset.cid, sha256: asset.sha256 } : undefined
}
