import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqliteMigrations } from './migrations.js'
import { type AnchorRow, createSqliteStore } from './sqlite-store.js'

let dir: string
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-sqlite-v2-'))
})
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true })
})

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0').repeat(32)}`
const row = (overrides: Partial<AnchorRow> = {}): AnchorRow => ({
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
  row({ treeSize, chainId, status, txHash: hex(3), blockNumber: 7, blockHash: hex(4), lastError: null, rootHash: hex(treeSize) })

describe('migration 2', () => {
  it('migrates a version-1 store in place, keeping its data', () => {
    const file = path.join(dir, 'v1.sqlite')
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.exec((sqliteMigrations[0] as { sql: string }).sql)
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', '1')").run()
    db.prepare("INSERT INTO checkpoints (size, root_hash, note, created_at) VALUES (1, x'00', 'n', 't')").run()
    db.close()
    const s = createSqliteStore({ path: file })
    expect(s.getMeta('schema_version')).toBe(String(sqliteMigrations.at(-1)?.version))
    expect(s.getCheckpoint(1)?.note).toBe('n')
    expect(s.listAnchors()).toEqual([])
    s.close()
  })

  it('refuses an included anchor without its transaction and block (CHECK constraint)', () => {
    const s = createSqliteStore({ path: path.join(dir, 'c.sqlite') })
    expect(() => s.putAnchor(row({ status: 'included' }))).toThrow(expect.objectContaining({ code: 'STORE_IO' }))
    expect(s.listAnchors()).toEqual([])
    s.close()
  })
})

describe('anchors', () => {
  it('puts, replaces, gets and lists by chain and status', () => {
    const s = createSqliteStore({ path: path.join(dir, 'a.sqlite') })
    s.putAnchor(row())
    expect(s.getAnchor(31337, 3)).toEqual(row())
    s.putAnchor(included(3))
    s.putAnchor(included(5, 31337, 'final'))
    s.putAnchor(included(3, 10))
    expect(s.getAnchor(31337, 3)).toEqual(included(3))
    expect(s.listAnchors({ chainId: 31337 }).map((a) => a.treeSize)).toEqual([3, 5])
    expect(s.listAnchors({ chainId: 31337, status: 'final' }).map((a) => a.treeSize)).toEqual([5])
    expect(s.listAnchors().map((a) => [a.chainId, a.treeSize])).toEqual([
      [10, 3],
      [31337, 3],
      [31337, 5],
    ])
    expect(s.listAnchors({ status: 'included' })).toHaveLength(2)
    s.close()
  })

  it('finds the newest anchored checkpoint covering a leaf, with every chain anchored at that size', () => {
    const s = createSqliteStore({ path: path.join(dir, 'b.sqlite') })
    for (const size of [3, 5, 8]) s.putCheckpoint({ size, rootHash: new Uint8Array(32).fill(size), note: `note ${size}`, createdAt: 't' })
    expect(s.anchoredCheckpointCovering(0)).toBeUndefined()
    s.putAnchor(included(3))
    s.putAnchor(included(5, 31337, 'final'))
    s.putAnchor(included(5, 10))
    s.putAnchor(row({ treeSize: 8 })) // pending: not a proof target
    const covering = s.anchoredCheckpointCovering(1)
    expect(covering?.checkpoint.size).toBe(5)
    expect(covering?.anchors.map((a) => a.chainId)).toEqual([10, 31337])
    expect(s.anchoredCheckpointCovering(4)?.checkpoint.size).toBe(5)
    expect(s.anchoredCheckpointCovering(5)).toBeUndefined()
    s.close()
  })
})

describe('offers', () => {
  it('stores offers once per hash and lists them by asset and chain', () => {
    const s = createSqliteStore({ path: path.join(dir, 'o.sqlite') })
    s.putOffer({ offerHash: hex(9), assetCid: 'bafyA', chainId: 31337, document: '{"a":1}', createdAt: '2026-01-01T00:00:00Z' })
    s.putOffer({ offerHash: hex(9), assetCid: 'bafyA', chainId: 31337, document: '{"changed":true}', createdAt: '2026-01-02T00:00:00Z' })
    s.putOffer({ offerHash: hex(8), assetCid: 'bafyB', chainId: 10, document: '{"b":1}', createdAt: '2026-01-01T00:00:00Z' })
    expect(s.getOffer(hex(9))?.document).toBe('{"a":1}')
    expect(s.offersForAsset('bafyA').map((o) => o.offerHash)).toEqual([hex(9)])
    expect(s.offersOnChain(10).map((o) => o.assetCid)).toEqual(['bafyB'])
    expect(s.getOffer(hex(7))).toBeUndefined()
    s.close()
  })
})
