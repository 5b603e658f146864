import { verifyConsistencyProof } from '@mintmark/core'
import { getConsistencyProof } from '../api/endpoints.js'
import type { Checkpoint } from '../api/types.js'
import { bytesToHex, hexToBytes } from '../hex.js'
import { openLatestCheckpoint } from './verify-record.js'

export type SignedHead = { size: number; rootHash: string }

/** The latest checkpoint opened under its log key in the browser: size and root, or why not. */
export function verifyCheckpoint(latest: Checkpoint): { ok: true; head: SignedHead } | { ok: false; error: string } {
  const r = openLatestCheckpoint(latest, latest.logKey)
  if ('error' in r) return { ok: false, error: r.error }
  if (r.size !== latest.size || bytesToHex(r.rootHash) !== latest.rootHash) return { ok: false, error: 'the signed note does not say what the server’s summary says' }
  return { ok: true, head: { size: r.size, rootHash: bytesToHex(r.rootHash) } }
}

export type ConsistencyResult = {
  ok: boolean
  oldSize: number
  newSize: number
  /** Where the roots compared came from, in words. */
  basis: string
  proofLength: number
  detail: string
}

/**
 * Fetches a consistency proof between two sizes and checks it in the browser. Roots the caller
 * knows independently (a signed checkpoint, an on-chain anchor, one remembered from an earlier
 * visit) are used instead of the roots in the server's answer; `basis` says which were which.
 */
export async function checkConsistency(from: { size: number; rootHash?: string | undefined; source?: string }, to: { size: number; rootHash?: string | undefined; source?: string }, signal?: AbortSignal): Promise<ConsistencyResult> {
  const proof = await getConsistencyProof(from.size, to.size, signal)
  const oldRoot = from.rootHash ?? proof.oldRoot
  const newRoot = to.rootHash ?? proof.newRoot
  const claimedMatch = (from.rootHash === undefined || from.rootHash === proof.oldRoot) && (to.rootHash === undefined || to.rootHash === proof.newRoot)
  const ok =
    proof.oldSize === from.size &&
    proof.newSize === to.size &&
    verifyConsistencyProof({ oldSize: from.size, newSize: to.size, oldRoot: hexToBytes(oldRoot), newRoot: hexToBytes(newRoot), proof: proof.hashes.map(hexToBytes) })
  const basis = `old root ${from.rootHash ? `from ${from.source ?? 'a trusted source'}` : 'as the server states it'}, new root ${to.rootHash ? `from ${to.source ?? 'a trusted source'}` : 'as the server states it'}`
  return {
    ok,
    oldSize: from.size,
    newSize: to.size,
    basis,
    proofLength: proof.hashes.length,
    detail: ok
      ? from.size === to.size
        ? `Both are the log at size ${to.size}, with the same root.`
        : `The log at size ${to.size} contains the log at size ${from.size} unchanged (${proof.hashes.length} proof hashes checked in this browser).`
      : claimedMatch
        ? `The proof does not connect size ${from.size} to size ${to.size}.`
        : `The server’s roots differ from the ones known here: the log was rewritten, or a different log is being shown.`,
  }
}
