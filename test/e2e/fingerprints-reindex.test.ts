import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, runCli, runCliJson } from '../helpers/cli.js'

// `mintmark fingerprints reindex` through the built CLI: a home whose fingerprints are partly
// missing (rows deleted, as in a home registered before migration 3) gets them back, and a
// re-encoded copy is found again by `verify`.
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const bridge = path.join(testdata, 'pdq', 'bridge-1-original.jpg')
const cJpg = path.join(testdata, 'c2pa', 'C.jpg')

let work: string
let home: string
const cli = (args: string[]) => runCli([...args, '--home', home], { cwd: work })
const json = (args: string[]) => runCliJson([...args, '--home', home], { cwd: work })
const withDb = <T>(fn: (db: Database.Database) => T): T => {
  const db = new Database(path.join(home, 'index.sqlite'))
  try {
    return fn(db)
  } finally {
    db.close()
  }
}
const fingerprintCandidates = (body: any) => (body.candidates as { evidence: string; cid: string }[]).filter((c) => c.evidence === 'fingerprint')

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-reindex-'))
  home = path.join(work, '.mintmark')
  expect((await cli(['init'])).code).toBe(0)
})
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true })
})

describe('mintmark fingerprints reindex', () => {
  it('backfills missing fingerprints, finds the copy again, adds nothing the second time, and reports a broken blob', async () => {
    await fsp.writeFile(path.join(work, 'notes.txt'), 'not an image\n')
    const reg = await json(['register', bridge, cJpg, path.join(work, 'notes.txt'), '--model', 'sdxl@1.0'])
    expect(reg.code, reg.stderr).toBe(0)
    const cidOf = (name: string) => (reg.body.registered as { file: string; cid: string }[]).find((r) => r.file.endsWith(name))?.cid as string
    const [bridgeCid, cCid, textCid] = [cidOf('bridge-1-original.jpg'), cidOf('C.jpg'), cidOf('notes.txt')]
    const before = withDb((db) => db.prepare('SELECT asset_cid, algorithm, hex(hash) AS h FROM fingerprints ORDER BY id').all())
    expect(before.length).toBeGreaterThanOrEqual(4)

    // A home from before the fingerprint kinds: the bridge has none, C.jpg lost its equalised one.
    const deleted = withDb(
      (db) =>
        db.prepare('DELETE FROM fingerprints WHERE asset_cid = ?').run(bridgeCid).changes +
        db.prepare("DELETE FROM fingerprints WHERE asset_cid = ? AND algorithm = 'pdq-equalised'").run(cCid).changes,
    )
    expect(deleted).toBeGreaterThanOrEqual(2)
    await sharp(bridge).jpeg({ quality: 70 }).toFile(path.join(work, 'q70.jpg'))
    const lost = await json(['verify', 'q70.jpg'])
    expect(lost.code).toBe(1)
    expect(fingerprintCandidates(lost.body)).toEqual([])

    const first = await json(['fingerprints', 'reindex'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.body).toMatchObject({ scanned: 3, updated: 2, complete: 0, skippedNotImages: 1, failed: [] })
    // Exactly the rows register had written come back.
    const after = withDb((db) => db.prepare('SELECT asset_cid, algorithm, hex(hash) AS h FROM fingerprints').all())
    const key = (r: any) => `${r.asset_cid} ${r.algorithm} ${r.h}`
    expect(after.map(key).sort()).toEqual(before.map(key).sort())
    expect(first.body.fingerprintsAdded).toBe(deleted)

    const found = await json(['verify', 'q70.jpg'])
    expect(found.code).toBe(1)
    expect(found.body.verdict).toBe('unknown')
    expect(fingerprintCandidates(found.body)).toEqual([expect.objectContaining({ cid: bridgeCid })])

    const second = await json(['fingerprints', 'reindex'])
    expect(second.code).toBe(0)
    expect(second.body).toMatchObject({ scanned: 3, updated: 0, fingerprintsAdded: 0, skippedNotImages: 1, failed: [] })
    const text = await cli(['fingerprints', 'reindex'])
    expect(text.stdout).toMatch(/^3 assets scanned: 0 updated \(0 fingerprints added\), 2 already complete, 1 not images, 0 failed/)

    // A blob whose bytes are not the image its record claims: reported with its code, the rest goes on, exit 3.
    withDb((db) => db.prepare("UPDATE assets SET media_type = 'image/png' WHERE cid = ?").run(textCid))
    const broken = await json(['fingerprints', 'reindex'])
    expect(broken.code).toBe(3)
    expect(broken.body).toMatchObject({ scanned: 3, updated: 0, skippedNotImages: 0, failed: [{ cid: textCid, code: expect.stringMatching(/^(IMAGE_INVALID|MEDIA_TYPE_UNSUPPORTED)$/) }] })
    const brokenText = await cli(['fingerprints', 'reindex'])
    expect(brokenText.code).toBe(3)
    expect(brokenText.stdout).toContain(`${textCid}  ${broken.body.failed[0].code}:`)
  }, 240_000) // nine CLI runs, two of them decoding images; minutes on a loaded 2-core machine

  it('refuses an unknown action', async () => {
    const r = await cli(['fingerprints', 'rebuild'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/USAGE_INVALID/)
  })
})
