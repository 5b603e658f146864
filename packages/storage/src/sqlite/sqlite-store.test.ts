import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { leafHash, rootFromLeafHashes, verifyInclusionProof, inclusionProofPlan } from '@mintmark/core'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSqliteStore, type EntryDraft, peakIds } from './sqlite-store.js'

let dir: string
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-sqlite-'))
})
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true })
})

const draft = (i: number, asset: string | null = null): EntryDraft => {
  const data = new TextEncoder().encode(`entry ${i}`)
  return {
    statementHash: new Uint8Array(32).fill(i),
    kind: 'test',
    assetCid: asset,
    creator: `did:key:c${i % 3}`,
    createdAt: '2026-01-01T00:00:00Z',
    build: (prior) => {
      const d = new TextEncoder().encode(`entry ${i} after ${prior.map((p) => p.index).join(',')}`)
      return { data: asset ? d : data, leafHash: leafHash(asset ? d : data) }
    },
  }
}

describe('sqlite store', () => {
  it('asserts WAL, synchronous=FULL and foreign keys at open (B4)', () => {
    const s = createSqliteStore({ path: path.join(dir, 'a.sqlite') })
    expect(s.pragmas()).toEqual({ journal_mode: 'wal', synchronous: 2, foreign_keys: 1 })
    s.close()
  })

  it('refuses a database in another encoding than UTF-8, and leaves it as it was', () => {
    const file = path.join(dir, 'utf16.sqlite')
    const raw = new Database(file)
    raw.pragma('encoding = "UTF-16le"')
    raw.exec('CREATE TABLE t (x)')
    raw.close()
    expect(() => createSqliteStore({ path: file })).toThrow(expect.objectContaining({ code: 'STORE_PRAGMA_MISMATCH', message: expect.stringContaining('UTF-16le') }))
    const after = new Database(file, { readonly: true })
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['t'])
    after.close()
  })

  it('appends in one transaction, is idempotent per statement, and keeps the tree right', () => {
    const s = createSqliteStore({ path: path.join(dir, 'b.sqlite') })
    const r1 = s.appendEntries([draft(1), draft(2), draft(3)])
    expect(r1.map((r) => [r.index, r.created])).toEqual([[0, true], [1, true], [2, true]])
    const r2 = s.appendEntries([draft(2), draft(4)])
    expect(r2.map((r) => [r.index, r.created])).toEqual([[1, false], [3, true]])
    const leaves = [1, 2, 3, 4].map((i) => leafHash(new TextEncoder().encode(`entry ${i}`)))
    expect(s.rootAt(4)).toEqual(rootFromLeafHashes(leaves))
    expect(s.rootAt(3)).toEqual(rootFromLeafHashes(leaves.slice(0, 3)))
    const plan = inclusionProofPlan(2, 4)
    expect(verifyInclusionProof({ leafHash: leaves[2] as Uint8Array, leafIndex: 2, treeSize: 4, proof: plan.assemble(s.getNodes(plan.nodes)), root: s.rootAt(4) })).toBe(true)
    s.close()
  })

  it('gives later claims on the same asset the earlier entries, oldest first', () => {
    const s = createSqliteStore({ path: path.join(dir, 'c.sqlite') })
    s.appendEntries([draft(1, 'bafkreiasset'), draft(2), draft(3, 'bafkreiasset')])
    const e = s.getEntry(2)
    expect(new TextDecoder().decode(e?.data)).toBe('entry 3 after 0')
    expect(s.entriesForAsset('bafkreiasset').map((x) => x.index)).toEqual([0, 2])
    s.close()
  })

  it('rolls back the whole group when one draft fails: nothing half-written', () => {
    const s = createSqliteStore({ path: path.join(dir, 'd.sqlite') })
    s.appendEntries([draft(1)])
    const bad: EntryDraft = { ...draft(9), build: () => { throw new Error('boom') } }
    expect(() => s.appendEntries([draft(2), bad])).toThrow()
    expect(s.size()).toBe(1)
    expect(() => s.getNodes([{ level: 0, index: 1 }])).toThrowError(expect.objectContaining({ code: 'STORE_CORRUPT' }))
    s.close()
  })

  it('peakIds lists the perfect subtrees of a size, largest first', () => {
    expect(peakIds(0)).toEqual([])
    expect(peakIds(6)).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }])
    expect(peakIds(7)).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }])
  })
})
