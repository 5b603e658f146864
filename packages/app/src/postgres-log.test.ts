import { type Did, createLocalSigner, createManifest, decodeLogEntry, generateEd25519KeyPair, hashBytes, signStatement } from '@mintmark/core'
import { MintmarkError } from '@mintmark/core'
import { describe, expect, it } from 'vitest'
import { buildLeaf, toQueueDraft } from './postgres-log.js'
import { prepareSignedStatement } from './signed-statements.js'

// A queued registration's leaf is made later by the sequencer from its payload; it must be the
// same bytes SQLite's group commit makes through the draft's own `build`, first claim or not.
async function draft() {
  const k = generateEd25519KeyPair()
  const did = k.did as Did
  const h = hashBytes(new TextEncoder().encode(`asset ${Math.random()}`))
  const statement = createManifest({
    asset: { cid: h.cid, sha256: h.sha256, size: h.size, mediaType: 'application/octet-stream' },
    digitalSourceType: 'digitalCapture',
    rights: { owner: did, license: { spdx: 'CC-BY-4.0' }, royalties: [{ payee: did, bps: 10_000 }] },
    creator: did,
    createdAt: '2026-01-01T00:00:00Z',
  } as never)
  const signed = await signStatement(statement, createLocalSigner(k.secretKey))
  return (await prepareSignedStatement(signed, { now: new Date('2026-01-02T00:00:00Z'), store: { getAsset: async () => undefined } })).draft
}

describe('queued drafts (PostgreSQL)', () => {
  it('buildLeaf rebuilds exactly the leaf build() makes, without and with earlier claims', async () => {
    const d = await draft()
    const q = toQueueDraft(d)
    expect('build' in q).toBe(false)
    expect(Buffer.from(q.statementHash).equals(Buffer.from(d.statementHash))).toBe(true)
    const priors = [[], [{ index: 3, leafHash: new Uint8Array(32).fill(7) }], [{ index: 0, leafHash: new Uint8Array(32).fill(1) }, { index: 9, leafHash: new Uint8Array(32).fill(2) }]]
    for (const prior of priors) {
      const fromQueue = buildLeaf(q.payload, prior)
      const direct = d.build(prior)
      expect(Buffer.from(fromQueue.data).equals(Buffer.from(direct.data))).toBe(true)
      expect(Buffer.from(fromQueue.leafHash).equals(Buffer.from(direct.leafHash))).toBe(true)
      expect(decodeLogEntry(fromQueue.data).prior ?? []).toHaveLength(prior.length)
    }
  })

  it('a draft reserved at an index cannot be queued: STORE_FEATURE_UNSUPPORTED', async () => {
    const d = { ...(await draft()), expectIndex: 5 }
    expect(() => toQueueDraft(d)).toThrow(MintmarkError)
    expect(() => toQueueDraft(d)).toThrow(expect.objectContaining({ code: 'STORE_FEATURE_UNSUPPORTED' }))
  })
})
