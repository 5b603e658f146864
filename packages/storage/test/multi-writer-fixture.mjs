// Registrations of the multi-process PostgreSQL tests and benchmark: what both the node processes
// and the test that audits them compute (statement hash, asset, payload, leaf data).
import { createHash } from 'node:crypto'
import { leafHash } from '@mintmark/core'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** The registration for item n: what a test can recompute (statement hash, asset, leaf data). */
export function registrationOf({ n, asset, creator }) {
  const cid = `bafkreimultiwriter${String(asset).padStart(8, '0')}`
  return {
    statementHash: createHash('sha256').update(`statement ${n}`).digest(),
    kind: 'asset',
    assetCid: cid,
    creator,
    createdAt: '2026-01-01T00:00:00Z',
    asset: { cid, sha256: createHash('sha256').update(`asset ${asset}`).digest('hex'), size: 1000 + asset, mediaType: 'image/png' },
    // About the size of a real log entry (a signed manifest is ~1 KiB of JCS).
    payload: enc.encode(`registration ${n} ${'x'.repeat(900)}`),
  }
}

/** Leaf data: the payload, then the indices of the earlier claims on the asset. */
export function buildLeaf(payload, prior) {
  const data = enc.encode(`${dec.decode(payload)} prior [${prior.map((p) => p.index).join(',')}]`)
  return { data, leafHash: leafHash(data) }
}
