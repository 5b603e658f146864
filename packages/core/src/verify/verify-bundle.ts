import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { type ProvenanceBundle, bundleFromJSON } from '../bundle/bundle.js'
import { createEd25519NoteVerifier, openNote, parseCheckpoint } from '../checkpoint/index.js'
import { MintmarkError } from '../errors/base.js'
import { encodeLogEntry, type LogEntry } from '../log/log-entry.js'
import { leafHash, verifyInclusionProof } from '../merkle/index.js'
import { type Ed25519VerifyBackend, verifyStatementSignature } from '../signing/index.js'
import { type Check, deriveVerdict, type Verdict } from './report.js'

export type VerifyBundleParameters = {
  /** The bundle, parsed JSON or already validated. */
  bundle: unknown
  /** The content actually held, when verifying a file against its record. */
  content?: { cid: string; sha256: string } | undefined
  /**
   * Log verifier keys the caller trusts. Absent: the bundle's own key is used and LOG_KEY_TRUSTED
   * is skipped (self-consistent, not pinned). Present: a key outside the list fails.
   */
  trustedLogKeys?: readonly string[] | undefined
  /** Ed25519 backend for the final curve check (default: pure-JS noble; Node passes OpenSSL). */
  ed25519Verify?: Ed25519VerifyBackend | undefined
  /** Results of checking the bundle's anchors against chains, done by a caller with RPC access. */
  anchorChecks?: readonly Check[] | undefined
}

export type BundleVerificationReport = {
  verdict: Verdict
  checks: Check[]
  asset?: LogEntry['statement']['asset']
  statement?: LogEntry['statement']
  entry?: { logIndex: number; leafHash: string; prior: NonNullable<LogEntry['prior']> }
  log?: { origin: string; treeSize: number; rootHash: string }
}

/**
 * Verifies a provenance bundle without any I/O: schema, content address, statement signature,
 * inclusion in the checkpoint, checkpoint signature and log-key trust. Failures of the bundle are
 * reported as failed checks, never thrown.
 */
export function verifyBundle(parameters: VerifyBundleParameters): BundleVerificationReport {
  const checks: Check[] = []
  const report = (extra: Partial<BundleVerificationReport> = {}): BundleVerificationReport => ({
    verdict: deriveVerdict(checks),
    checks,
    ...extra,
  })

  let bundle: ProvenanceBundle
  try {
    bundle = bundleFromJSON(parameters.bundle)
    checks.push({ code: 'BUNDLE_FORMAT', status: 'pass', detail: 'The bundle matches the v1 schema.' })
  } catch (error) {
    const e = error instanceof MintmarkError ? error : new MintmarkError('BUNDLE_INVALID', 'The bundle is malformed.')
    checks.push({ code: 'BUNDLE_FORMAT', status: 'fail', error: e.code, detail: detailOf(e) })
    return report()
  }
  const { entry } = bundle
  const statement = entry.statement

  // Content address: the file held is the file the statement is about.
  if (parameters.content) {
    const { cid, sha256 } = parameters.content
    const same = cid === statement.asset.cid && sha256 === statement.asset.sha256
    checks.push(
      same
        ? { code: 'CONTENT_ADDRESS', status: 'pass', detail: `The file hashes to ${cid}, the asset the statement names.` }
        : {
            code: 'CONTENT_ADDRESS',
            status: 'fail',
            error: 'CONTENT_HASH_MISMATCH',
            detail: `The file hashes to ${cid}, but the statement is about ${statement.asset.cid}.`,
          },
    )
  } else {
    checks.push({ code: 'CONTENT_ADDRESS', status: 'skip', detail: 'No file given: the content itself was not checked.' })
  }
  checks.push({ code: 'STATEMENT_SCHEMA', status: 'pass', detail: `A ${statement.type} v${statement.version} statement.` })

  // Signature by the creator's key over the canonical statement.
  const sig = verifyStatementSignature({ statement, signature: entry.signature }, { backend: parameters.ed25519Verify })
  if (!sig.ok) {
    checks.push({ code: 'STATEMENT_SIGNATURE', status: 'fail', error: sig.code, detail: sig.detail })
  } else if (entry.signature.kid !== statement.creator) {
    checks.push({
      code: 'STATEMENT_SIGNATURE',
      status: 'fail',
      error: 'SIGNER_MISMATCH',
      detail: `Signed by ${entry.signature.kid}, but the statement names ${statement.creator} as creator.`,
    })
  } else {
    checks.push({ code: 'STATEMENT_SIGNATURE', status: 'pass', detail: `Signed by the creator ${statement.creator}.` })
  }

  // Checkpoint: a signed note by the log key, then the inclusion proof against its root.
  let checkpoint: ReturnType<typeof parseCheckpoint> | undefined
  try {
    const verifier = createEd25519NoteVerifier(bundle.logKey, { backend: parameters.ed25519Verify })
    const opened = openNote(bundle.checkpoint, [verifier])
    checkpoint = parseCheckpoint(opened.text)
    checks.push({
      code: 'CHECKPOINT_SIGNATURE',
      status: 'pass',
      detail: `Checkpoint of ${checkpoint.origin} at size ${checkpoint.size} is signed by the log key ${verifier.name}.`,
    })
  } catch (error) {
    const e = error instanceof MintmarkError ? error : new MintmarkError('CHECKPOINT_MALFORMED', 'The checkpoint could not be read.')
    checks.push({ code: 'CHECKPOINT_SIGNATURE', status: 'fail', error: e.code, detail: detailOf(e) })
  }

  const leaf = leafHash(encodeLogEntry(entry))
  const { logIndex, treeSize, hashes } = bundle.inclusion
  if (!checkpoint) {
    checks.push({ code: 'LOG_INCLUSION', status: 'fail', error: 'MERKLE_PROOF_INVALID', detail: 'No valid checkpoint to prove inclusion against.' })
  } else if (checkpoint.size !== treeSize) {
    checks.push({
      code: 'LOG_INCLUSION',
      status: 'fail',
      error: 'MERKLE_PROOF_INVALID',
      detail: `The proof is for tree size ${treeSize}, the checkpoint for ${checkpoint.size}.`,
    })
  } else {
    const ok = verifyInclusionProof({
      leafHash: leaf,
      leafIndex: logIndex,
      treeSize,
      proof: hashes.map((h) => hexToBytes(h)),
      root: checkpoint.rootHash,
    })
    checks.push(
      ok
        ? { code: 'LOG_INCLUSION', status: 'pass', detail: `Entry ${logIndex} is in the log at size ${treeSize}.` }
        : {
            code: 'LOG_INCLUSION',
            status: 'fail',
            error: 'MERKLE_PROOF_INVALID',
            detail: `The inclusion proof for entry ${logIndex} does not lead to the checkpoint's root.`,
          },
    )
  }

  if (!parameters.trustedLogKeys) {
    checks.push({ code: 'LOG_KEY_TRUSTED', status: 'skip', detail: 'No trusted log keys given: the bundle’s own log key was used.' })
  } else if (parameters.trustedLogKeys.includes(bundle.logKey)) {
    checks.push({ code: 'LOG_KEY_TRUSTED', status: 'pass', detail: 'The log key is one the verifier trusts.' })
  } else {
    checks.push({
      code: 'LOG_KEY_TRUSTED',
      status: 'fail',
      error: 'CHECKPOINT_SIGNATURE_INVALID',
      detail: `The log key ${bundle.logKey.split('+')[0]} is not among the trusted log keys.`,
    })
  }

  if (parameters.anchorChecks?.length) checks.push(...parameters.anchorChecks)
  else
    checks.push({
      code: 'CHAIN_ANCHOR',
      status: 'skip',
      detail: bundle.anchors.length ? `${bundle.anchors.length} anchor(s) not checked: no chain RPC given.` : 'The bundle carries no chain anchors.',
    })

  return report({
    asset: statement.asset,
    statement,
    entry: { logIndex, leafHash: bytesToHex(leaf), prior: entry.prior ?? [] },
    ...(checkpoint ? { log: { origin: checkpoint.origin, treeSize: checkpoint.size, rootHash: bytesToHex(checkpoint.rootHash) } } : {}),
  })
}

function detailOf(e: MintmarkError): string {
  return e.details ? `${e.shortMessage} ${e.details}` : e.shortMessage
}
