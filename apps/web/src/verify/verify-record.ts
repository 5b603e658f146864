import {
  type Check,
  type ProvenanceBundle,
  bundleFromJSON,
  createEd25519NoteVerifier,
  deriveVerdict,
  openNote,
  parseCheckpoint,
  verifyBundle,
  verifyConsistencyProof,
} from '@mintmark/core'
import { chainsCached, getConsistencyProof, getLatestCheckpoint } from '../api/endpoints.js'
import type { Checkpoint, Manifest } from '../api/types.js'
import { bytesToHex, hexToBytes } from '../hex.js'

/** A check as shown: core's checks plus the browser's own (LOG_CONSISTENT). */
export type UiCheck = { code: string; status: 'pass' | 'fail' | 'skip'; detail: string; error?: string | undefined }
export type Verdict = 'verified' | 'failed' | 'unknown'

export type RecordVerification = {
  verdict: Verdict
  checks: UiCheck[]
  bundle?: ProvenanceBundle
  statement?: Manifest
  logIndex?: number
  /** The signed checkpoint the record is proven against. */
  log?: { origin: string; treeSize: number; rootHash: string }
}

export type VerifyRecordParameters = {
  /** The bundle as parsed JSON: served by this server, or dropped by the user. */
  bundle: unknown
  /** Where it came from: a served bundle must be under this server's log key. */
  source: 'server' | 'file'
  /** The file's content address and SHA-256, when a file is compared with the record. */
  content?: { cid: string; sha256: string } | undefined
  signal?: AbortSignal | undefined
}

/**
 * Verifies a provenance bundle entirely in the browser with @mintmark/core: format, content
 * address, creator signature, inclusion proof, checkpoint signature, log key; then, with this
 * server's latest signed checkpoint, that the log still extends the checkpoint of the proof
 * (consistency proof, checked here against both signed roots), and the bundle's chain anchors
 * where a node for the chain is reachable. The server supplies data, never verdicts.
 */
export async function verifyRecord(p: VerifyRecordParameters): Promise<RecordVerification> {
  let parsed: ProvenanceBundle | undefined
  try {
    parsed = bundleFromJSON(p.bundle)
  } catch {
    parsed = undefined // verifyBundle reports the format failure as a check
  }
  const latest = await getLatestCheckpoint(p.signal).catch(() => undefined)
  const sameLog = parsed !== undefined && latest !== undefined && parsed.logKey === latest.logKey
  // A served bundle must be under the log key this server publishes; a dropped one may come
  // from another log, and is then checked against its own key only.
  const trustedLogKeys = latest && (p.source === 'server' || sameLog) ? [latest.logKey] : undefined

  let anchorChecks: Check[] | undefined
  if (parsed?.anchors.length) {
    const chains = await chainsCached().catch(() => [])
    const { checkAnchors } = await import('./anchors.js')
    anchorChecks = await checkAnchors(parsed, checkpointOf(parsed), chains)
  }

  const report = verifyBundle({ bundle: p.bundle, content: p.content, trustedLogKeys, anchorChecks })
  const checks: UiCheck[] = report.checks.map((c) =>
    c.code === 'LOG_KEY_TRUSTED' && c.status === 'skip' && parsed && latest && !sameLog
      ? { ...c, detail: `This record comes from another log (${parsed.logKey.split('+')[0]}), not this server’s; it was checked against that log’s own key.` }
      : c,
  )
  if (report.log && parsed && latest && sameLog) checks.push(await consistencyCheck(report.log, latest, parsed.logKey, p.signal))

  return {
    // Same rule as the CLI: any failure fails; "verified" needs signature, inclusion and checkpoint.
    verdict: deriveVerdict(checks as Check[]),
    checks,
    ...(parsed ? { bundle: parsed, statement: parsed.entry.statement, logIndex: parsed.inclusion.logIndex } : {}),
    ...(report.log ? { log: report.log } : {}),
  }
}

function checkpointOf(bundle: ProvenanceBundle): { size: number; rootHash: string } | undefined {
  try {
    const c = parseCheckpoint(openNote(bundle.checkpoint, [createEd25519NoteVerifier(bundle.logKey)]).text)
    return { size: c.size, rootHash: bytesToHex(c.rootHash) }
  } catch {
    return undefined
  }
}

/** Opens this server's latest checkpoint under the log key: its size and root, or a reason it does not verify. */
export function openLatestCheckpoint(latest: Checkpoint, logKey: string): { size: number; rootHash: Uint8Array } | { error: string } {
  try {
    const c = parseCheckpoint(openNote(latest.note, [createEd25519NoteVerifier(logKey)]).text)
    return { size: c.size, rootHash: c.rootHash }
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] ?? 'it does not verify' }
  }
}

/**
 * The log's latest signed checkpoint must extend the one the record was proven against: a
 * consistency proof between the two sizes, checked against the two *signed* roots (the server's
 * own copies of the roots in the proof response are not trusted).
 */
async function consistencyCheck(proven: { treeSize: number; rootHash: string }, latest: Checkpoint, logKey: string, signal: AbortSignal | undefined): Promise<UiCheck> {
  const now = openLatestCheckpoint(latest, logKey)
  if ('error' in now) return { code: 'LOG_CONSISTENT', status: 'fail', error: 'CHECKPOINT_SIGNATURE_INVALID', detail: `The log’s latest checkpoint does not verify under its key: ${now.error}` }
  if (now.size < proven.treeSize) return { code: 'LOG_CONSISTENT', status: 'skip', detail: `The record is proven at size ${proven.treeSize}, newer than the latest checkpoint served (${now.size}).` }
  const oldRoot = hexToBytes(proven.rootHash)
  if (now.size === proven.treeSize) {
    const same = bytesToHex(now.rootHash) === proven.rootHash
    return same
      ? { code: 'LOG_CONSISTENT', status: 'pass', detail: `The record is proven against the latest checkpoint (size ${now.size}).` }
      : { code: 'LOG_CONSISTENT', status: 'fail', error: 'LOG_INCONSISTENT', detail: `Two different signed roots for size ${now.size}: the log forked.` }
  }
  try {
    const proof = await getConsistencyProof(proven.treeSize, now.size, signal)
    const ok =
      proof.oldSize === proven.treeSize &&
      proof.newSize === now.size &&
      verifyConsistencyProof({ oldSize: proven.treeSize, newSize: now.size, oldRoot, newRoot: now.rootHash, proof: proof.hashes.map(hexToBytes) })
    return ok
      ? { code: 'LOG_CONSISTENT', status: 'pass', detail: `The latest checkpoint (size ${now.size}) extends size ${proven.treeSize}: consistency proof of ${proof.hashes.length} hashes checked in this browser.` }
      : { code: 'LOG_CONSISTENT', status: 'fail', error: 'LOG_INCONSISTENT', detail: `The consistency proof from size ${proven.treeSize} to ${now.size} does not connect the two signed roots.` }
  } catch (error) {
    return { code: 'LOG_CONSISTENT', status: 'skip', detail: `No consistency proof could be fetched: ${(error as Error).message}` }
  }
}
