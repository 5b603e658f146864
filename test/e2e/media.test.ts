import { promises as fsp, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { readC2pa } from '@mintmark/media'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, runCli, runCliJson } from '../helpers/cli.js'

// Finding a file's record without its metadata (issue 5), through the built CLI: PDQ similarity,
// the home's watermark, and C2PA written by `export c2pa` and read back by `verify`.
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const bridge = path.join(testdata, 'pdq', 'bridge-1-original.jpg')
const cJpg = path.join(testdata, 'c2pa', 'C.jpg')
const certs = path.join(testdata, 'c2pa', 'certs')

let work: string
let home: string
const cli = (args: string[]) => runCli([...args, '--home', home], { cwd: work })
const json = (args: string[]) => runCliJson([...args, '--home', home], { cwd: work })

type Candidate = { cid: string; logIndex: number; evidence: string; distance?: number; bitAccuracy?: number; record: { verdict: string } }

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-media-'))
  home = path.join(work, '.mintmark')
  expect((await cli(['init'])).code).toBe(0)
  // The home makes its own random watermark key on first use (as in production); the key sweep in
  // packages/media/src/watermark/watermark-key-sweep*.test.ts covers the key dependence.
})
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true })
})

describe('media lookup through the CLI', () => {
  let bridgeCid = ''
  let bridgeIndex = -1
  let wmCid = ''
  let wmIndex = -1

  it('registers an image with its PDQ fingerprint, and finds a re-encoded and a resized copy as fingerprint candidates', async () => {
    const r = await json(['register', bridge, '--model', 'sdxl@1.0'])
    expect(r.code, r.stderr).toBe(0)
    bridgeCid = r.body.registered[0].cid
    bridgeIndex = r.body.registered[0].logIndex
    const show = await json(['show', bridgeCid])
    // The image's own PDQ first, then its centre crops' and its equalised luma's.
    const fps = show.body.fingerprints as { algorithm: string; hash: string }[]
    expect(fps[0]).toEqual({ algorithm: 'pdq', hash: expect.stringMatching(/^[0-9a-f]{64}$/), quality: expect.any(Number) })
    expect(fps.filter((f) => f.algorithm === 'pdq').length).toBeGreaterThanOrEqual(2)
    expect(fps.map((f) => f.algorithm)).toContain('pdq-equalised')

    await sharp(bridge).jpeg({ quality: 70 }).toFile(path.join(work, 'q70.jpg'))
    await sharp(bridge).resize(800).toFile(path.join(work, 'half.png'))
    // A 5% centre crop (2.5% off each side), which moves plain PDQ past the radius.
    const meta = await sharp(bridge).metadata()
    const [w, h] = [meta.width as number, meta.height as number]
    const dx = Math.round(w * 0.025)
    const dy = Math.round(h * 0.025)
    await sharp(bridge).extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy }).jpeg({ quality: 90 }).toFile(path.join(work, 'crop5.jpg'))
    for (const copy of ['q70.jpg', 'half.png', 'crop5.jpg']) {
      const v = await json(['verify', copy])
      expect(v.code, copy).toBe(1)
      expect(v.body.verdict).toBe('unknown')
      const fp = (v.body.candidates as Candidate[]).filter((c) => c.evidence === 'fingerprint')
      expect(fp).toEqual([expect.objectContaining({ cid: bridgeCid, logIndex: bridgeIndex, record: expect.objectContaining({ verdict: 'verified' }) })])
      expect(fp[0]?.distance).toBeLessThanOrEqual(31)
    }
    const text = await cli(['verify', 'q70.jpg'])
    expect(text.stdout).toMatch(/verdict: UNKNOWN/)
    expect(text.stdout).toMatch(/CANDIDATES \(not verified matches/)
    expect(text.stdout).toContain(`[fingerprint] ${bridgeCid}  log #${bridgeIndex}`)
  })

  it('register --watermark registers a marked copy; a re-encoded copy of it is found by its watermark', async () => {
    await fsp.copyFile(path.join(testdata, 'c2pa', 'CA.jpg'), path.join(work, 'ca.jpg'))
    const r = await json(['register', 'ca.jpg', '--watermark', '--out', 'marked', '--model', 'sdxl@1.0'])
    expect(r.code, r.stderr).toBe(0)
    const a = r.body.registered[0]
    wmCid = a.cid
    wmIndex = a.logIndex
    expect(a).toMatchObject({ file: path.join(work, 'marked', 'ca.wm.jpg'), original: path.join(work, 'ca.jpg'), payload: wmIndex.toString(16).padStart(16, '0') })
    // The original is untouched; the copy is what was registered.
    expect(readFileSync(path.join(work, 'ca.jpg'))).toEqual(readFileSync(path.join(testdata, 'c2pa', 'CA.jpg')))
    expect((await json(['verify', 'marked/ca.wm.jpg'])).body.verdict).toBe('verified')
    expect((await fsp.stat(path.join(home, 'keys', 'watermark.key'))).mode & 0o077).toBe(0)

    await sharp(path.join(work, 'marked', 'ca.wm.jpg')).jpeg({ quality: 80 }).toFile(path.join(work, 'wm80.jpg'))
    const v = await json(['verify', 'wm80.jpg'])
    expect(v.body.verdict).toBe('unknown')
    expect(v.body.candidates).toContainEqual(
      expect.objectContaining({ evidence: 'watermark', cid: wmCid, logIndex: wmIndex, bitAccuracy: expect.any(Number), record: expect.objectContaining({ verdict: 'verified' }) }),
    )
    const d = await json(['watermark', 'detect', 'wm80.jpg'])
    expect(d.code).toBe(0)
    expect(d.body).toMatchObject({ found: true, logIndex: wmIndex, record: { cid: wmCid, logIndex: wmIndex } })
    expect(d.body.confidence).toBeGreaterThan(0.99)
    const clean = await json(['watermark', 'detect', bridge])
    expect(clean.code).toBe(1)
    expect(clean.body.found).toBe(false)
  })

  it('watermark embed marks a copy of a registered file with its log index', async () => {
    const r = await json(['watermark', 'embed', bridge, '-o', 'bridge.wm.jpg'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.body).toMatchObject({ logIndex: bridgeIndex, out: path.join(work, 'bridge.wm.jpg') })
    const d = await json(['watermark', 'detect', 'bridge.wm.jpg'])
    expect(d.body).toMatchObject({ found: true, record: { cid: bridgeCid, logIndex: bridgeIndex } })
    const unregistered = await json(['watermark', 'embed', path.join(testdata, 'c2pa', 'IMG_0003.jpg'), '-o', 'x.jpg'])
    expect(unregistered.code).toBe(2)
    expect(unregistered.body.error.code).toBe('ASSET_NOT_FOUND')
  })

  it('export c2pa writes Content Credentials that verify finds the record by, and that read as valid under the test CA', async () => {
    const out = path.join(work, 'out.jpg')
    const r = await json(['export', 'c2pa', wmCid, '-o', out, '--cert', path.join(certs, 'es256.pub'), '--key', path.join(certs, 'es256.pem'), '--alg', 'es256'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.body).toMatchObject({ cid: wmCid, logIndex: wmIndex, softBinding: { pdqHash: expect.any(String), watermarkPayload: wmIndex.toString(16).padStart(16, '0') } })
    const anchors = readFileSync(path.join(certs, 'es256.pub'), 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) as string[]
    const read = await readC2pa(new Uint8Array(readFileSync(out)), { trustAnchorsPem: anchors })
    if (!read.present) throw new Error('no manifest')
    expect(read.valid).toBe(true)
    expect(read.signer?.trusted).toBe(true)
    expect(read.mintmark).toMatchObject({ logIndex: wmIndex, cid: wmCid, statementHash: r.body.statementHash, bundle: expect.objectContaining({ entry: expect.any(Object) }) })
    expect(read.digitalSourceType).toBe('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia')

    const v = await json(['verify', 'out.jpg', '--c2pa-trust', path.join(certs, 'es256.pub')])
    expect(v.body.verdict).toBe('unknown')
    expect(v.body.candidates[0]).toMatchObject({ evidence: 'c2pa', cid: wmCid, logIndex: wmIndex, record: { verdict: 'verified' } })
    expect(v.body.c2pa).toMatchObject({ present: true, valid: true, claimGenerator: expect.stringContaining('Mintmark'), signer: { trusted: true } })
  })

  it('registering C.jpg records its C2PA manifest as evidence; show and verify print it', async () => {
    const r = await json(['register', cJpg])
    expect(r.code, r.stderr).toBe(0)
    const cid = r.body.registered[0].cid
    const show = await json(['show', cid])
    expect(show.body.c2pa).toMatchObject({
      present: true,
      valid: true,
      validationStatus: [],
      claimGenerator: expect.stringMatching(/^make_test_images/),
      digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia',
      actions: [expect.objectContaining({ action: 'c2pa.created' })],
      ingredients: [],
    })
    const text = await cli(['show', cid])
    expect(text.stdout).toMatch(/c2pa {5}valid \(imported evidence/)
    expect(text.stdout).toContain('generator make_test_images')
    const v = await json(['verify', cJpg])
    expect(v.body.verdict).toBe('verified')
    expect(v.body.c2pa).toMatchObject({ valid: true, claimGenerator: expect.stringMatching(/^make_test_images/) })
  })

  it('a clean unrelated image has no candidates; a truncated image is a typed error', async () => {
    const v = await json(['verify', path.join(testdata, 'c2pa', 'earth_apollo17.jpg')])
    expect(v.code).toBe(1)
    expect(v.body).toMatchObject({ verdict: 'unknown', candidates: [] })
    const bytes = readFileSync(bridge)
    await fsp.writeFile(path.join(work, 'trunc.jpg'), bytes.subarray(0, bytes.length >> 2))
    const t = await json(['verify', 'trunc.jpg'])
    expect(t.code).toBe(2)
    expect(t.body.error).toMatchObject({ code: 'IMAGE_INVALID', title: expect.stringContaining('trunc.jpg') })
    const reg = await json(['register', 'trunc.jpg'])
    expect(reg.code).toBe(2)
    expect(reg.body.error.code).toBe('IMAGE_INVALID')
  })
})
