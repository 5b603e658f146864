// Test-only fixture builder (not exported from the package): a valid, fully signed bundle made
// with core alone, so the verifier's tests need no store and no network.
import { bytesToHex } from '@noble/hashes/utils.js'
import { bundleMediaType, type ProvenanceBundle } from '../bundle/bundle.js'
import { createEd25519NoteSigner, encodeEd25519VerifierKey, formatCheckpoint, signNote } from '../checkpoint/index.js'
import { hashBytes } from '../hash/index.js'
import { didKeyFromPublicKey } from '../keys/index.js'
import { encodeLogEntry, type LogEntry } from '../log/log-entry.js'
import { createManifest } from '../manifest/index.js'
import { createMemoryTree, leafHash } from '../merkle/index.js'
import { createLocalSigner, signStatement } from '../signing/index.js'
import { ed25519 } from '@noble/curves/ed25519.js'

export async function makeTestBundle(options: { seed?: number; leaves?: number; index?: number } = {}) {
  const seed = options.seed ?? 1
  const creatorKey = new Uint8Array(32).fill(seed)
  const logKey = new Uint8Array(32).fill(seed + 100)
  const signer = createLocalSigner(creatorKey)
  const content = new TextEncoder().encode(`asset content ${seed}`)
  const { cid, sha256 } = hashBytes(content)
  const manifest = createManifest({
    asset: { cid, sha256, size: content.length, mediaType: 'image/png', title: 'test asset' },
    digitalSourceType: 'trainedAlgorithmicMedia',
    generation: { model: { name: 'sdxl', version: '1.0' }, promptHash: `sha256:${'ab'.repeat(32)}` },
    rights: { owner: signer.did, license: { spdx: 'CC-BY-4.0' }, royalties: [{ payee: signer.did, bps: 10_000 }] },
    creator: signer.did,
    createdAt: '2026-11-01T12:00:00.000Z',
  })
  const signed = await signStatement(manifest, signer)
  const entry: LogEntry = { v: 1, statement: signed.statement, signature: signed.signature }
  const leaves = options.leaves ?? 7
  const index = options.index ?? 3
  const tree = createMemoryTree()
  tree.append(
    Array.from({ length: leaves }, (_, i) => (i === index ? leafHash(encodeLogEntry(entry)) : leafHash(new Uint8Array([i, seed])))),
  )
  const origin = 'mintmark.test/log'
  const checkpoint = await signNote(formatCheckpoint({ origin, size: leaves, rootHash: tree.root(), extensions: [] }), [
    createEd25519NoteSigner(origin, logKey),
  ])
  const bundle: ProvenanceBundle = {
    mediaType: bundleMediaType,
    entry,
    inclusion: { logIndex: index, treeSize: leaves, hashes: tree.inclusionProof(index).map((h) => bytesToHex(h)) },
    checkpoint,
    logKey: encodeEd25519VerifierKey(origin, ed25519.getPublicKey(logKey)),
    anchors: [],
  }
  return { bundle, content, cid, sha256, signerDid: didKeyFromPublicKey(ed25519.getPublicKey(creatorKey)) }
}
