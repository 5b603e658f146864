import { MintmarkError, leafHash } from '@mintmark/core'
import { afterEach, describe, expect, it } from 'vitest'
import type { AsyncStore } from '../app-index-store.js'
import type { AnchorRow, ChainEventRow, EntryDraft, FingerprintCandidateRow } from '../sqlite/sqlite-store.js'

/** Makes a fresh, empty store (log and app index). */
export type AppIndexStoreFactory = () => Promise<{ store: AsyncStore; cleanup(): Promise<void> }>

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0').repeat(32)}`
const anchor = (overrides: Partial<AnchorRow> = {}): AnchorRow => ({
  chainId: 31337,
  treeSize: 3,
  rootHash: hex(1),
  status: 'pending',
  txHash: null,
  blockNumber: null,
  blockHash: null,
  contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  logId: hex(2),
  attempts: 1,
  lastError: { code: 'CHAIN_RPC_UNREACHABLE', message: 'down' },
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
})
const included = (treeSize: number, chainId = 31337, status: 'included' | 'final' = 'included'): AnchorRow =>
  anchor({ treeSize, chainId, status, txHash: hex(3), blockNumber: 7, blockHash: hex(4), lastError: null, rootHash: hex(treeSize) })
const event = (chainId: number, blockNumber: number, logIndex: number, extra: Partial<ChainEventRow> = {}): ChainEventRow => ({
  chainId,
  blockNumber,
  blockHash: hex(blockNumber & 0xff),
  logIndex,
  txHash: hex((blockNumber + logIndex) & 0xff),
  contract: 'anchor',
  address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  event: 'Anchored',
  argsJson: `{"size":${blockNumber * 10 + logIndex}}`,
  ...extra,
})

const cidOf = (i: number): string => `bafkreiappindex${String(i).padStart(6, '0')}`
const hashOf = (seed: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, k) => (Math.imul(seed + 1, 2654435761) >>> (k % 24)) & 0xff)
const chunkOf = (hash: Uint8Array, i: number): number => ((hash[2 * i] as number) << 8) | (hash[2 * i + 1] as number)
function assetDraft(i: number, extra: Partial<EntryDraft> = {}): EntryDraft {
  const data = new TextEncoder().encode(`app index entry ${i}`)
  return {
    statementHash: Uint8Array.from({ length: 32 }, (_, k) => (k === 0 ? i + 1 : 0xa1)),
    kind: 'asset',
    assetCid: cidOf(i),
    creator: 'did:key:c',
    createdAt: '2026-01-01T00:00:00Z',
    asset: { cid: cidOf(i), sha256: 'ab'.repeat(32), size: 1, mediaType: 'image/png' },
    build: () => ({ data, leafHash: leafHash(data) }),
    ...extra,
  }
}
const byId = (rows: FingerprintCandidateRow[]): FingerprintCandidateRow[] => [...rows].sort((a, b) => a.id - b.id)

async function rejection(p: Promise<unknown>): Promise<MintmarkError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(e, 'expected the call to reject').toBeInstanceOf(MintmarkError)
  return e as MintmarkError
}

/**
 * The behaviour every {@link AppIndexStore} adapter must have (anchors, chain indexer state,
 * offers, fingerprints), written once and run against each: SQLite through `toAsyncStore`, and
 * PostgreSQL. `make` is called once per test.
 */
export function describeAppIndexStore(name: string, make: AppIndexStoreFactory): void {
  describe(`app index store conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c()
    })
    const open = async (): Promise<AsyncStore> => {
      const made = await make()
      cleanups.push(made.cleanup)
      return made.store
    }

    it('anchors: puts, replaces, gets and lists by chain and status', async () => {
      const s = await open()
      expect(await s.listAnchors()).toEqual([])
      expect(await s.getAnchor(31337, 3)).toBeUndefined()
      await s.putAnchor(anchor())
      expect(await s.getAnchor(31337, 3)).toEqual(anchor())
      await s.putAnchor(included(3))
      await s.putAnchor(included(5, 31337, 'final'))
      await s.putAnchor(included(3, 10))
      expect(await s.getAnchor(31337, 3)).toEqual(included(3))
      expect((await s.listAnchors({ chainId: 31337 })).map((a) => a.treeSize)).toEqual([3, 5])
      expect((await s.listAnchors({ chainId: 31337, status: 'final' })).map((a) => a.treeSize)).toEqual([5])
      expect((await s.listAnchors({ chainId: 31337, status: 'pending' })).map((a) => a.treeSize)).toEqual([])
      expect((await s.listAnchors()).map((a) => [a.chainId, a.treeSize])).toEqual([
        [10, 3],
        [31337, 3],
        [31337, 5],
      ])
      expect(await s.listAnchors({ status: 'included' })).toEqual([included(3, 10), included(3)])
      expect(await s.listAnchors({})).toHaveLength(3)
    })

    it('anchors: an included anchor without its transaction and block is refused (STORE_IO), nothing stored', async () => {
      const s = await open()
      expect((await rejection(s.putAnchor(anchor({ status: 'included' })))).code).toBe('STORE_IO')
      expect(await s.listAnchors()).toEqual([])
    })

    it('anchors: the newest anchored checkpoint covering a leaf, with every chain anchored at that size', async () => {
      const s = await open()
      for (const size of [3, 5, 8]) await s.putCheckpoint({ size, rootHash: new Uint8Array(32).fill(size), note: `note ${size}`, createdAt: 't' })
      expect(await s.anchoredCheckpointCovering(0)).toBeUndefined()
      await s.putAnchor(included(3))
      await s.putAnchor(included(5, 31337, 'final'))
      await s.putAnchor(included(5, 10))
      await s.putAnchor(anchor({ treeSize: 8 })) // pending: not a proof target
      await s.putAnchor(included(13)) // no checkpoint of that size is stored
      const covering = await s.anchoredCheckpointCovering(1)
      expect(covering).toEqual({
        checkpoint: { size: 5, rootHash: new Uint8Array(32).fill(5), note: 'note 5', createdAt: 't' },
        anchors: [included(5, 10), included(5, 31337, 'final')],
      })
      expect((await s.anchoredCheckpointCovering(4))?.checkpoint.size).toBe(5)
      expect(await s.anchoredCheckpointCovering(5)).toBeUndefined()
    })

    it('chain index: commits events, blocks and the cursor; lists in chain order; prunes old blocks', async () => {
      const s = await open()
      expect(await s.getChainCursor(1)).toBeUndefined()
      expect(await s.listChainBlocks(1)).toEqual([])
      expect(await s.listChainEvents(1)).toEqual([])
      await s.commitChainIndex(1, {
        cursor: 12,
        events: [event(1, 11, 2), event(1, 10, 5), event(1, 11, 0)],
        blocks: [10, 11, 12].map((n) => ({ number: n, hash: hex(n) })),
        pruneBelow: 0,
      })
      await s.commitChainIndex(2, { cursor: 3, events: [event(2, 3, 0)], blocks: [{ number: 3, hash: hex(3) }], pruneBelow: 0 })
      expect(await s.getChainCursor(1)).toBe(12)
      expect(await s.listChainEvents(1)).toEqual([event(1, 10, 5), event(1, 11, 0), event(1, 11, 2)])
      expect(await s.listChainBlocks(1)).toEqual([10, 11, 12].map((n) => ({ number: n, hash: hex(n) })))
      // Next step: a replaced event (same block and log index), a replaced block hash, pruning.
      await s.commitChainIndex(1, {
        cursor: 14,
        events: [event(1, 11, 2, { argsJson: '{"replaced":true}' }), event(1, 14, 1)],
        blocks: [
          { number: 12, hash: hex(0x42) },
          { number: 14, hash: hex(14) },
        ],
        pruneBelow: 12,
      })
      expect(await s.getChainCursor(1)).toBe(14)
      expect(await s.listChainBlocks(1)).toEqual([
        { number: 12, hash: hex(0x42) },
        { number: 14, hash: hex(14) },
      ])
      expect((await s.listChainEvents(1)).map((e) => [e.blockNumber, e.logIndex, e.argsJson])).toEqual([
        [10, 5, '{"size":105}'],
        [11, 0, '{"size":110}'],
        [11, 2, '{"replaced":true}'],
        [14, 1, '{"size":141}'],
      ])
      // The other chain is untouched.
      expect(await s.listChainEvents(2)).toEqual([event(2, 3, 0)])
      expect(await s.getChainCursor(2)).toBe(3)
    })

    it('chain index: the same event or block twice in one batch keeps the later one', async () => {
      const s = await open()
      await s.commitChainIndex(5, {
        cursor: 2,
        events: [event(5, 2, 0, { argsJson: '"first"' }), event(5, 2, 0, { argsJson: '"second"' })],
        blocks: [
          { number: 2, hash: hex(1) },
          { number: 2, hash: hex(2) },
        ],
        pruneBelow: 0,
      })
      expect((await s.listChainEvents(5)).map((e) => e.argsJson)).toEqual(['"second"'])
      expect(await s.listChainBlocks(5)).toEqual([{ number: 2, hash: hex(2) }])
    })

    it('chain index: an event of another chain fails the whole batch with INPUT_INVALID', async () => {
      const s = await open()
      const e = await rejection(s.commitChainIndex(1, { cursor: 9, events: [event(1, 9, 0), event(2, 9, 1)], blocks: [{ number: 9, hash: hex(9) }], pruneBelow: 0 }))
      expect(e.code).toBe('INPUT_INVALID')
      expect(await s.listChainEvents(1)).toEqual([])
      expect(await s.listChainBlocks(1)).toEqual([])
      expect(await s.getChainCursor(1)).toBeUndefined()
    })

    it('chain index: a rollback drops events and blocks above a block and lowers (never raises) the cursor', async () => {
      const s = await open()
      await s.commitChainIndex(1, {
        cursor: 20,
        events: [event(1, 18, 0), event(1, 20, 3), event(1, 19, 1), event(1, 20, 0)],
        blocks: [17, 18, 19, 20].map((n) => ({ number: n, hash: hex(n) })),
        pruneBelow: 0,
      })
      await s.commitChainIndex(2, { cursor: 20, events: [event(2, 20, 0)], blocks: [{ number: 20, hash: hex(20) }], pruneBelow: 0 })
      expect(await s.rollbackChainIndex(1, 18)).toEqual([event(1, 19, 1), event(1, 20, 0), event(1, 20, 3)])
      expect(await s.getChainCursor(1)).toBe(18)
      expect((await s.listChainBlocks(1)).map((b) => b.number)).toEqual([17, 18])
      expect(await s.listChainEvents(1)).toEqual([event(1, 18, 0)])
      // Above the cursor: nothing to drop, the cursor stays.
      expect(await s.rollbackChainIndex(1, 30)).toEqual([])
      expect(await s.getChainCursor(1)).toBe(18)
      // A chain never synced gets no cursor from a rollback.
      expect(await s.rollbackChainIndex(3, 5)).toEqual([])
      expect(await s.getChainCursor(3)).toBeUndefined()
      expect(await s.listChainEvents(2)).toEqual([event(2, 20, 0)])
    })

    it('offers: stored once per hash, listed by asset and by chain in creation order, then hash', async () => {
      const s = await open()
      await s.putOffer({ offerHash: hex(9), assetCid: 'bafyA', chainId: 31337, document: '{"a":1}', createdAt: '2026-01-01T00:00:00Z' })
      await s.putOffer({ offerHash: hex(9), assetCid: 'bafyA', chainId: 31337, document: '{"changed":true}', createdAt: '2026-01-02T00:00:00Z' })
      await s.putOffer({ offerHash: hex(8), assetCid: 'bafyB', chainId: 10, document: '{"b":1}', createdAt: '2026-01-01T00:00:00Z' })
      await s.putOffer({ offerHash: hex(0xa0), assetCid: 'bafyA', chainId: 10, document: '{"c":1}', createdAt: '2025-12-31T23:59:59Z' })
      await s.putOffer({ offerHash: hex(0x0b), assetCid: 'bafyA', chainId: 10, document: '{"d":1}', createdAt: '2026-01-01T00:00:00Z' })
      expect(await s.getOffer(hex(9))).toEqual({ offerHash: hex(9), assetCid: 'bafyA', chainId: 31337, document: '{"a":1}', createdAt: '2026-01-01T00:00:00Z' })
      expect(await s.getOffer(hex(7))).toBeUndefined()
      expect((await s.offersForAsset('bafyA')).map((o) => o.offerHash)).toEqual([hex(0xa0), hex(9), hex(0x0b)])
      expect((await s.offersOnChain(10)).map((o) => o.offerHash)).toEqual([hex(0xa0), hex(8), hex(0x0b)])
      expect(await s.offersOnChain(1)).toEqual([])
      expect(await s.offersForAsset('bafyZ')).toEqual([])
    })

    it('fingerprints: kept with their entry, found by chunk per algorithm, each candidate once', async () => {
      const s = await open()
      const [h1, h2, h3] = [hashOf(1), hashOf(2), hashOf(3)]
      await s.appendEntries([
        assetDraft(0, {
          fingerprints: [
            { algorithm: 'pdq', hash: h1, quality: 90 },
            { algorithm: 'pdq-crop5', hash: h1, quality: 90 },
          ],
        }),
        assetDraft(1, { fingerprints: [{ algorithm: 'pdq', hash: h2, quality: 40 }] }),
      ])
      expect(await s.fingerprintCount()).toBe(2)
      expect(await s.fingerprintCount('pdq')).toBe(2)
      expect(await s.fingerprintCount('pdq-crop5')).toBe(1)
      expect(await s.fingerprintCount('other')).toBe(0)
      const ids = Object.fromEntries((await s.fingerprintsOf(cidOf(0))).map((f) => [f.algorithm, f.id]))
      const id2 = (await s.fingerprintsOf(cidOf(1)))[0]?.id as number
      // Chunk 3 of h1 (and a miss); chunk 7 of h1 again and of h2: each fingerprint once.
      const found = await s.fingerprintCandidates([
        { chunkNo: 3, values: [chunkOf(h1, 3), (chunkOf(h1, 3) + 1) & 0xffff] },
        { chunkNo: 7, values: [chunkOf(h1, 7), chunkOf(h2, 7)] },
        { chunkNo: 9, values: [] },
      ])
      expect(byId(found)).toEqual(byId([
        { id: ids.pdq as number, assetCid: cidOf(0), hash: h1 },
        { id: id2, assetCid: cidOf(1), hash: h2 },
      ]))
      // The other algorithm's index only holds its own rows.
      expect(await s.fingerprintCandidates([{ chunkNo: 3, values: [chunkOf(h1, 3)] }], 'pdq-crop5')).toEqual([
        { id: ids['pdq-crop5'] as number, assetCid: cidOf(0), hash: h1 },
      ])
      expect(await s.fingerprintCandidates([{ chunkNo: 3, values: [chunkOf(h2, 3)] }], 'pdq-crop5')).toEqual(
        chunkOf(h2, 3) === chunkOf(h1, 3) ? [{ id: ids['pdq-crop5'] as number, assetCid: cidOf(0), hash: h1 }] : [],
      )
      // A value at another chunk position is not a match.
      const elsewhere = [0, 1, 2].find((n) => chunkOf(h3, n) !== chunkOf(h1, n) && chunkOf(h3, n) !== chunkOf(h2, n)) as number
      expect(await s.fingerprintCandidates([{ chunkNo: elsewhere, values: [chunkOf(h3, elsewhere)] }])).toEqual([])
      expect(await s.fingerprintCandidates([])).toEqual([])
    })

    it('fingerprints: added later once per (asset, algorithm, hash); unregistered asset STORE_IO; bad input INPUT_INVALID', async () => {
      const s = await open()
      const h = hashOf(4)
      await s.appendEntries([assetDraft(0, { fingerprints: [{ algorithm: 'pdq', hash: h, quality: 90 }] }), assetDraft(1)])
      expect(await s.addFingerprint(cidOf(0), { algorithm: 'pdq', hash: h, quality: 90 })).toBe(false)
      expect(await s.addFingerprint(cidOf(1), { algorithm: 'pdq', hash: h, quality: 5 })).toBe(true)
      expect(await s.addFingerprint(cidOf(1), { algorithm: 'pdq-eq', hash: h, quality: 5 })).toBe(true)
      expect(await s.fingerprintCount()).toBe(2)
      expect((await s.fingerprintCandidates([{ chunkNo: 15, values: [chunkOf(h, 15)] }])).map((r) => r.assetCid).sort()).toEqual([cidOf(0), cidOf(1)])
      expect((await s.fingerprintCandidates([{ chunkNo: 0, values: [chunkOf(h, 0)] }], 'pdq-eq')).map((r) => r.assetCid)).toEqual([cidOf(1)])
      expect((await rejection(s.addFingerprint('bafkreinope', { algorithm: 'pdq', hash: hashOf(5), quality: 1 }))).code).toBe('STORE_IO')
      expect((await rejection(s.addFingerprint(cidOf(1), { algorithm: 'pdq', hash: new Uint8Array(31), quality: 1 }))).code).toBe('INPUT_INVALID')
      expect((await rejection(s.addFingerprint(cidOf(1), { algorithm: 'pdq', hash: hashOf(6), quality: 101 }))).code).toBe('INPUT_INVALID')
      expect(await s.fingerprintCount()).toBe(2)
      expect((await s.fingerprintsOf(cidOf(1))).map((f) => [f.algorithm, f.quality])).toEqual([
        ['pdq', 5],
        ['pdq-eq', 5],
      ])
    })
  })
}
