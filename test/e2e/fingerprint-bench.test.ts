import { spawnSync } from 'node:child_process'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/cli.js'

// bench/fingerprint-index.mjs on a small store (built packages): the bench's bulk-written buckets
// must be what the store reads (it checks a sample itself and exits non-zero otherwise), and the
// SQLite path must return exactly what the in-memory backend returns for every lookup.
let cache: string
beforeAll(async () => {
  cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-fpbench-'))
})
afterAll(async () => {
  await fsp.rm(cache, { recursive: true, force: true })
})

describe('bench/fingerprint-index.mjs', () => {
  it('builds a small store and finds what the in-memory backend finds', () => {
    const args = ['bench/fingerprint-index.mjs', '--images', '3000', '--real', '20', '--queries', '40', '--cache', cache]
    const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.images).toBe(3000)
    expect(out.fingerprints.pdq).toBeGreaterThanOrEqual(9000)
    expect(out.fingerprints['pdq-equalised']).toBeGreaterThanOrEqual(3000)
    expect(out.results_differ).toEqual([])
    expect(out.sqlite.lookups).toBe(20 * 5 + 40)
    expect(out.sqlite.recall).toBe(out.memory.recall)
    // Mostly the reference images here: a few tiny or flat ones miss (the 300-image default gives ~0.99).
    expect(out.sqlite.recall).toBeGreaterThanOrEqual(0.8)
    // A second run reuses the cached store.
    const again = JSON.parse(spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' }).stdout)
    expect(again.store.cached).toBe(true)
    expect(again.results_differ).toEqual([])
  }, 300_000)
})
