import {
  MintmarkError,
  appendLeaves,
  consistencyProofPlan,
  emptyCompactRange,
  emptyRoot,
  inclusionProofPlan,
  leafHash,
  rootFromLeafHashes,
  verifyConsistencyProof,
  verifyInclusionProof,
} from '@mintmark/core'
import { afterEach, describe, expect, it } from 'vitest'
import type { AsyncLogStore } from '../log-store.js'
import type { EntryDraft, EntryRef } from '../sqlite/sqlite-store.js'

/** Makes a fresh, empty store; `reopen` closes it and opens the same database again. */
export type LogStoreFactory = () => Promise<{ store: AsyncLogStore; reopen(): Promise<AsyncLogStore>; cleanup(): Promise<void> }>

const enc = new TextEncoder()
const dec = new TextDecoder()
const cid = (n: number): string => `bafkreiconformance${String(n).padStart(6, '0')}`
const statementHash = (n: number): Uint8Array => {
  const h = new Uint8Array(32)
  new DataView(h.buffer).setUint32(0, n)
  h[31] = 0x5a
  return h
}
const fpHash = (seed: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, k) => (seed * 31 + k * 7) & 0xff)

/**
 * A draft for statement `n`: its leaf data names the statement and the indices of the earlier
 * claims on its asset, so a test can read back what `build` was given.
 */
function draft(n: number, extra: Partial<EntryDraft> = {}): EntryDraft {
  return {
    statementHash: statementHash(n),
    kind: 'asset',
    assetCid: null,
    creator: `did:key:creator${n % 3}`,
    createdAt: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
    build: (prior: EntryRef[]) => {
      const data = enc.encode(`statement ${n} prior [${prior.map((p) => p.index).join(',')}]`)
      return { data, leafHash: leafHash(data) }
    },
    ...extra,
  }
}
const onAsset = (n: number, c: string, creator: string, extra: Partial<EntryDraft> = {}): EntryDraft =>
  draft(n, { assetCid: c, creator, asset: { cid: c, sha256: `${String(n).padStart(2, '0')}`.repeat(32), size: 1000 + n, mediaType: 'image/png' }, ...extra })

async function rejection(p: Promise<unknown>): Promise<MintmarkError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(e, 'expected the call to reject').toBeInstanceOf(MintmarkError)
  return e as MintmarkError
}

/**
 * The behaviour every {@link AsyncLogStore} adapter must have, written once and run against each
 * (SQLite through `toAsyncLogStore`, PostgreSQL). `make` is called once per test.
 */
export function describeLogStore(name: string, make: LogStoreFactory): void {
  describe(`log store conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c()
    })
    const open = async () => {
      const made = await make()
      cleanups.push(made.cleanup)
      return made
    }

    it('starts empty: size 0, the empty root, no entries or checkpoints', async () => {
      const { store } = await open()
      expect(await store.size()).toBe(0)
      expect(await store.rootAt(0)).toEqual(emptyRoot)
      expect(await store.getEntry(0)).toBeUndefined()
      expect(await store.getEntries(0, 10)).toEqual([])
      expect(await store.latestCheckpoint()).toBeUndefined()
      expect(await store.assetCount()).toBe(0)
      expect(await store.appendEntries([])).toEqual([])
    })

    it('appends in order and reads entries back field by field', async () => {
      const { store } = await open()
      const results = await store.appendEntries([draft(1), onAsset(2, cid(2), 'did:key:a'), draft(3)])
      expect(results.map((r) => [r.index, r.created])).toEqual([
        [0, true],
        [1, true],
        [2, true],
      ])
      const e1 = await store.getEntry(1)
      expect(e1).toEqual({
        index: 1,
        leafHash: leafHash(enc.encode('statement 2 prior []')),
        data: enc.encode('statement 2 prior []'),
        kind: 'asset',
        assetCid: cid(2),
        creator: 'did:key:a',
        createdAt: '2026-01-01T00:00:02Z',
      })
      expect(results[1]?.leafHash).toEqual(e1?.leafHash)
      expect((await store.getEntries(1, 3)).map((e) => dec.decode(e.data))).toEqual(['statement 2 prior []', 'statement 3 prior []'])
      expect((await store.getEntries(0, 100)).map((e) => e.index)).toEqual([0, 1, 2])
      expect(await store.entryByStatementHash(statementHash(3))).toEqual({ index: 2, leafHash: results[2]?.leafHash })
      expect(await store.entryByStatementHash(statementHash(99))).toBeUndefined()
    })

    it('keeps the same statement once: again later, and twice in one group', async () => {
      const { store } = await open()
      await store.appendEntries([draft(1), draft(2)])
      const again = await store.appendEntries([draft(2), draft(3), draft(3), draft(1)])
      expect(again.map((r) => [r.index, r.created])).toEqual([
        [1, false],
        [2, true],
        [2, false],
        [0, false],
      ])
      expect(await store.size()).toBe(3)
      expect(again[0]?.leafHash).toEqual((await store.getEntry(1))?.leafHash)
    })

    it('appends a second creator’s claim on the same CID as a later entry pointing at the first', async () => {
      const { store } = await open()
      const c = cid(7)
      await store.appendEntries([onAsset(10, c, 'did:key:first', { parents: [{ cid: cid(1), relation: 'parentOf' }] }), draft(11)])
      const [later] = await store.appendEntries([onAsset(12, c, 'did:key:second')])
      expect(later).toMatchObject({ index: 2, created: true })
      // build saw the first claim (index 0), not the unrelated entry 1.
      expect(dec.decode((await store.getEntry(2))?.data)).toBe('statement 12 prior [0]')
      expect((await store.entriesForAsset(c)).map((e) => [e.index, e.creator])).toEqual([
        [0, 'did:key:first'],
        [2, 'did:key:second'],
      ])
      // The asset row keeps the first registration; the later claim never replaces it.
      expect(await store.getAsset(c)).toEqual({ cid: c, sha256: '10'.repeat(32), size: 1010, mediaType: 'image/png', firstEntry: 0 })
      expect(await store.assetCount()).toBe(1)
      expect(await store.hasClaimBy(c, 'did:key:first')).toBe(true)
      expect(await store.hasClaimBy(c, 'did:key:second')).toBe(true)
      expect(await store.hasClaimBy(c, 'did:key:third')).toBe(false)
      expect(await store.claimedAmong([cid(8), c, c], 'did:key:second')).toEqual(new Set([c]))
      expect(await store.claimedAmong([cid(8), c], 'did:key:third')).toEqual(new Set())
      expect(await store.claimedAmong([], 'did:key:first')).toEqual(new Set())
      expect(await store.getAsset(cid(8))).toBeUndefined()
    })

    it('passes claims made earlier in the same group to build', async () => {
      const { store } = await open()
      const c = cid(9)
      await store.appendEntries([onAsset(1, c, 'did:key:a'), draft(2), onAsset(3, c, 'did:key:b'), onAsset(4, c, 'did:key:c')])
      expect((await store.entriesForAsset(c)).map((e) => dec.decode(e.data))).toEqual([
        'statement 1 prior []',
        'statement 3 prior [0]',
        'statement 4 prior [0,2]',
      ])
    })

    it('records lineage edges both ways', async () => {
      const { store } = await open()
      const child = cid(20)
      await store.appendEntries([onAsset(1, cid(21), 'did:key:a'), onAsset(2, cid(22), 'did:key:a')])
      await store.appendEntries([
        onAsset(3, child, 'did:key:a', {
          parents: [
            { cid: cid(21), relation: 'parentOf' },
            { cid: cid(22), relation: 'inputTo' },
          ],
        }),
      ])
      expect(await store.parentsOf(child)).toEqual([
        { cid: cid(21), relation: 'parentOf', entryIndex: 2 },
        { cid: cid(22), relation: 'inputTo', entryIndex: 2 },
      ])
      expect(await store.childrenOf(cid(21))).toEqual([{ cid: child, relation: 'parentOf', entryIndex: 2 }])
      expect(await store.childrenOf(child)).toEqual([])
    })

    it('stores fingerprints (once per asset, algorithm and hash) and the first C2PA evidence with the entry', async () => {
      const { store } = await open()
      const c = cid(30)
      const fp = { algorithm: 'pdq', hash: fpHash(1), quality: 90 }
      const evidence = { valid: true, validationStatus: ['claimSignature.validated'], claimGenerator: 'gen/1', digitalSourceType: 'trainedAlgorithmicMedia', document: '{"a":1}' }
      await store.appendEntries([onAsset(1, c, 'did:key:a', { fingerprints: [fp], c2pa: evidence })])
      await store.appendEntries([onAsset(2, c, 'did:key:b', { fingerprints: [fp, { algorithm: 'pdq', hash: fpHash(2), quality: 10 }], c2pa: { ...evidence, valid: false } })])
      const rows = await store.fingerprintsOf(c)
      expect(rows.map((r) => ({ assetCid: r.assetCid, algorithm: r.algorithm, hash: r.hash, quality: r.quality }))).toEqual([
        { assetCid: c, ...fp },
        { assetCid: c, algorithm: 'pdq', hash: fpHash(2), quality: 10 },
      ])
      expect(await store.getC2paEvidence(c)).toEqual({ assetCid: c, ...evidence, entryIndex: 0 })
      expect(await store.getC2paEvidence(cid(31))).toBeUndefined()
    })

    it('rolls the whole group back when a draft fails, keeping its error code', async () => {
      const { store } = await open()
      await store.appendEntries([draft(1)])
      const failing = draft(9, {
        build: () => {
          throw new MintmarkError('STATEMENT_SCHEMA_INVALID', 'bad statement')
        },
      })
      const e = await rejection(store.appendEntries([onAsset(2, cid(40), 'did:key:a', { fingerprints: [{ algorithm: 'pdq', hash: fpHash(3), quality: 5 }] }), failing]))
      expect(e.code).toBe('STATEMENT_SCHEMA_INVALID')
      expect(await store.size()).toBe(1)
      expect(await store.entryByStatementHash(statementHash(2))).toBeUndefined()
      expect(await store.getAsset(cid(40))).toBeUndefined()
      expect(await store.fingerprintsOf(cid(40))).toEqual([])
      // The tree was not touched either: the next append lands at index 1 with the right root.
      await store.appendEntries([draft(2)])
      expect(await store.rootAt(2)).toEqual(rootFromLeafHashes([1, 2].map((n) => leafHash(enc.encode(`statement ${n} prior []`)))))
    })

    it('refuses a fingerprint that is not 32 bytes with INPUT_INVALID, writing nothing', async () => {
      const { store } = await open()
      const e = await rejection(store.appendEntries([onAsset(1, cid(41), 'did:key:a', { fingerprints: [{ algorithm: 'pdq', hash: new Uint8Array(31), quality: 5 }] })]))
      expect(e.code).toBe('INPUT_INVALID')
      expect(await store.size()).toBe(0)
    })

    it('enforces expectIndex with LOG_APPEND_CONFLICT and appends when it matches', async () => {
      const { store } = await open()
      await store.appendEntries([draft(1)])
      const e = await rejection(store.appendEntries([draft(2, { expectIndex: 0 })]))
      expect(e.code).toBe('LOG_APPEND_CONFLICT')
      expect(await store.size()).toBe(1)
      expect((await store.appendEntries([draft(2, { expectIndex: 1 })]))[0]).toMatchObject({ index: 1, created: true })
    })

    it('stores every perfect subtree node, equal to a recomputation, and proofs verify against the roots', async () => {
      const { store } = await open()
      const groups = [1, 2, 5, 13, 16, 1, 3, 7]
      let n = 0
      for (const g of groups) await store.appendEntries(Array.from({ length: g }, () => draft(++n)))
      const size = await store.size()
      expect(size).toBe(48)
      const leaves = (await store.getEntries(0, size)).map((e) => e.leafHash)
      leaves.forEach((h, i) => expect(h).toEqual(leafHash(enc.encode(`statement ${i + 1} prior []`))))
      // Every node a fresh build completes is stored with the same hash…
      const { nodes } = appendLeaves(emptyCompactRange, leaves)
      expect(await store.getNodes(nodes)).toEqual(nodes.map((x) => x.hash))
      // …and a node of an incomplete subtree is not: STORE_CORRUPT.
      expect((await rejection(store.getNodes([{ level: 4, index: 3 }]))).code).toBe('STORE_CORRUPT')
      for (let m = 0; m <= size; m++) expect(await store.rootAt(m)).toEqual(rootFromLeafHashes(leaves.slice(0, m)))
      expect((await rejection(store.rootAt(size + 1))).code).toBe('MERKLE_INDEX_OUT_OF_RANGE')
      for (const treeSize of [1, 2, 7, 16, 31, 48]) {
        const root = await store.rootAt(treeSize)
        for (let i = 0; i < treeSize; i++) {
          const plan = inclusionProofPlan(i, treeSize)
          const proof = plan.assemble(await store.getNodes(plan.nodes))
          expect(verifyInclusionProof({ leafHash: leaves[i] as Uint8Array, leafIndex: i, treeSize, proof, root })).toBe(true)
          expect(verifyInclusionProof({ leafHash: leaves[(i + 1) % treeSize] as Uint8Array, leafIndex: i, treeSize, proof, root })).toBe(treeSize === 1)
        }
      }
      for (let m = 1; m <= size; m += 3) {
        for (const to of [m, Math.min(size, m + 1), Math.min(size, 2 * m), size]) {
          const plan = consistencyProofPlan(m, to)
          const proof = plan.assemble(await store.getNodes(plan.nodes))
          expect(verifyConsistencyProof({ oldSize: m, newSize: to, oldRoot: await store.rootAt(m), newRoot: await store.rootAt(to), proof })).toBe(true)
        }
      }
    })

    it('keeps one consistent tree under concurrent appends', async () => {
      const { store } = await open()
      const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 25 }, (_, k) => draft(b * 100 + k)))
      // A statement shared by every batch: appended once whichever batch wins.
      const shared = draft(9999)
      await Promise.all(batches.map((batch) => store.appendEntries([...batch, shared])))
      const size = await store.size()
      expect(size).toBe(8 * 25 + 1)
      const entries = await store.getEntries(0, size)
      expect(entries.map((e) => e.index)).toEqual(Array.from({ length: size }, (_, i) => i))
      expect(new Set(entries.map((e) => dec.decode(e.data))).size).toBe(size)
      expect(await store.rootAt(size)).toEqual(rootFromLeafHashes(entries.map((e) => e.leafHash)))
    })

    it('appends a group of 1,000 with the root a recomputation gives', async () => {
      const { store } = await open()
      await store.appendEntries([draft(0)])
      await store.appendEntries(Array.from({ length: 1000 }, (_, i) => draft(i + 1)))
      const leaves = Array.from({ length: 1001 }, (_, i) => leafHash(enc.encode(`statement ${i} prior []`)))
      expect(await store.rootAt(1001)).toEqual(rootFromLeafHashes(leaves))
      expect(await store.rootAt(513)).toEqual(rootFromLeafHashes(leaves.slice(0, 513)))
    })

    it('round-trips checkpoints: latest, by size, covering a leaf; the same again is a no-op, another root is LOG_ROOT_MISMATCH', async () => {
      const { store } = await open()
      const cp = (size: number, fill = size) => ({ size, rootHash: new Uint8Array(32).fill(fill), note: `origin\n${size}\nroot\n\n— sig ${fill}\n`, createdAt: `2026-01-0${size % 9}T00:00:00.000Z` })
      for (const size of [3, 8, 5]) await store.putCheckpoint(cp(size))
      expect(await store.latestCheckpoint()).toEqual(cp(8))
      expect(await store.getCheckpoint(5)).toEqual(cp(5))
      expect(await store.getCheckpoint(4)).toBeUndefined()
      expect((await store.checkpointCovering(0))?.size).toBe(3)
      expect((await store.checkpointCovering(3))?.size).toBe(5)
      expect((await store.checkpointCovering(7))?.size).toBe(8)
      expect(await store.checkpointCovering(8)).toBeUndefined()
      await store.putCheckpoint(cp(5))
      expect((await rejection(store.putCheckpoint(cp(5, 77)))).code).toBe('LOG_ROOT_MISMATCH')
      expect(await store.getCheckpoint(5)).toEqual(cp(5))
    })

    it('keeps meta values, replacing on write', async () => {
      const { store } = await open()
      expect(await store.getMeta('origin')).toBeUndefined()
      await store.setMeta('origin', 'a')
      await store.setMeta('origin', 'b')
      expect(await store.getMeta('origin')).toBe('b')
    })

    it('keeps everything across close and reopen', async () => {
      const made = await open()
      const results = await made.store.appendEntries([draft(1), onAsset(2, cid(50), 'did:key:a'), draft(3)])
      const root = await made.store.rootAt(3)
      await made.store.putCheckpoint({ size: 3, rootHash: root, note: 'n', createdAt: 't' })
      await made.store.setMeta('k', 'v')
      const again = await made.reopen()
      expect(await again.size()).toBe(3)
      expect(await again.rootAt(3)).toEqual(root)
      expect((await again.getEntry(1))?.leafHash).toEqual(results[1]?.leafHash)
      expect((await again.latestCheckpoint())?.rootHash).toEqual(root)
      expect(await again.getMeta('k')).toBe('v')
      expect((await again.appendEntries([draft(3), draft(4)])).map((r) => [r.index, r.created])).toEqual([
        [2, false],
        [3, true],
      ])
    })
  })
}
