import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

// The CLI as a user runs it: a real process over a real SQLite file and blob directory.
let work: string
let home: string
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--home', home], { env, cwd: work })
const json = async (args: string[]) => {
  const r = await cli([...args, '--json'])
  return { ...r, body: JSON.parse(r.stdout) }
}

async function png(file: string, seed: number) {
  const w = 64
  const h = 48
  const data = Buffer.alloc(w * h * 3)
  for (let i = 0; i < data.length; i++) data[i] = (i * seed) % 251
  await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file)
}

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-cli-'))
  home = path.join(work, '.mintmark')
  await fsp.mkdir(path.join(work, 'out'))
  for (let i = 1; i <= 3; i++) await png(path.join(work, 'out', `img${i}.png`), i + 2)
  await fsp.writeFile(path.join(work, 'prompt.txt'), 'a red fox in snow\n')
})
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true })
})

describe('mintmark CLI', () => {
  let did = ''
  let cid = ''
  let firstIndex = -1
  it('init creates the home with a did:key and is idempotent', async () => {
    const r = await json(['init'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.created).toBe(true)
    expect(r.body.creator).toMatch(/^did:key:z6Mk/)
    did = r.body.creator
    const st = await fsp.stat(path.join(home, 'keys', 'creator.key'))
    expect(st.mode & 0o077).toBe(0)
    const again = await json(['init'])
    expect(again.body).toMatchObject({ created: false, creator: did })
  })

  it('registers files with lineage, licence and royalties, and re-running skips them', async () => {
    const r = await json([
      'register', 'out', '--model', 'sdxl@1.0', '--model-weights', 'ab'.repeat(32), '--prompt-file', 'prompt.txt',
      '--dataset', 'laion-5b', '--source-type', 'trainedAlgorithmicMedia', '--license', 'CC-BY-4.0',
      '--royalty', `${did}=70%`, '--royalty', '0x000000000000000000000000000000000000dEaD=30%',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.registered).toHaveLength(3)
    const img1 = r.body.registered.find((a: { file: string }) => a.file.endsWith('img1.png'))
    expect(img1).toMatchObject({ mediaType: 'image/png' })
    expect(r.body.registered.map((a: { logIndex: number }) => a.logIndex).sort()).toEqual([0, 1, 2])
    expect(r.body.checkpoint.size).toBe(3)
    cid = img1.cid
    firstIndex = img1.logIndex
    const again = await json(['register', 'out'])
    expect(again.body.registered).toHaveLength(0)
    expect(again.body.skipped).toHaveLength(3)
  })

  it('verify --json gives verdict, checks, asset and statement; exit 0 only when verified', async () => {
    const r = await json(['verify', 'out/img1.png'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.verdict).toBe('verified')
    expect(r.body.asset.cid).toBe(cid)
    expect(r.body.statement.generation.model).toMatchObject({ name: 'sdxl', version: '1.0', weightsHash: `sha256:${'ab'.repeat(32)}` })
    expect(r.body.statement.rights.royalties).toEqual([{ payee: did, bps: 7000 }, { payee: '0x000000000000000000000000000000000000dEaD', bps: 3000 }])
    for (const c of r.body.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['code', 'status', 'detail']))
    await fsp.writeFile(path.join(work, 'unknown.bin'), 'never registered')
    const u = await json(['verify', 'unknown.bin'])
    expect(u.body.verdict).toBe('unknown')
    expect(u.code).toBe(1)
  })

  it('exports a bundle that verifies offline, and a tampered file or bundle fails', async () => {
    const e = await cli(['export', 'bundle', cid, '-o', 'img1.bundle.json'])
    expect(e.code, e.stderr).toBe(0)
    const emptyHome = path.join(work, 'no-home-here')
    const off = await runCli(['verify', 'out/img1.png', '--bundle', 'img1.bundle.json', '--offline', '--json', '--home', emptyHome], { cwd: work })
    expect(off.code, off.stderr).toBe(0)
    expect(JSON.parse(off.stdout).verdict).toBe('verified')
    const bytes = await fsp.readFile(path.join(work, 'out/img1.png'))
    bytes[100] = (bytes[100] as number) ^ 0x01
    await fsp.writeFile(path.join(work, 'tampered.png'), bytes)
    const t = await runCli(['verify', 'tampered.png', '--bundle', 'img1.bundle.json', '--offline', '--json'], { cwd: work })
    expect(t.code).toBe(1)
    expect(JSON.parse(t.stdout).checks.find((c: { code: string }) => c.code === 'CONTENT_ADDRESS')).toMatchObject({ status: 'fail', error: 'CONTENT_HASH_MISMATCH' })
    const b = JSON.parse(await fsp.readFile(path.join(work, 'img1.bundle.json'), 'utf8'))
    b.inclusion.hashes[0] = b.inclusion.hashes[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'))
    await fsp.writeFile(path.join(work, 'bad.bundle.json'), JSON.stringify(b))
    const tb = await runCli(['verify', 'out/img1.png', '--bundle', 'bad.bundle.json', '--offline', '--json'], { cwd: work })
    expect(tb.code).toBe(1)
    expect(JSON.parse(tb.stdout).verdict).toBe('failed')
  })

  it('show gives the record, lineage and log entry; a derivative lists its parent', async () => {
    await png(path.join(work, 'child.png'), 11)
    const r = await json(['register', 'child.png', '--parent', cid, '--source-type', 'compositeWithTrainedAlgorithmicMedia'])
    expect(r.code, r.stderr).toBe(0)
    const child = r.body.registered[0].cid
    const s = await json(['show', cid])
    expect(s.body.lineage.children).toEqual([{ cid: child, relation: 'parentOf', entryIndex: 3 }])
    expect(s.body.claims[0]).toMatchObject({ logIndex: firstIndex, creator: did })
    const sc = await json(['show', child])
    expect(sc.body.lineage.parents[0].cid).toBe(cid)
  })

  it('re-registering the same bytes by another creator appends a later claim that points at the first', async () => {
    const other = path.join(work, 'other-home')
    expect((await runCli(['init', '--home', other])).code).toBe(0)
    // Share the log: the second creator's key signs into the first home's log.
    await fsp.copyFile(path.join(other, 'keys', 'creator.key'), path.join(home, 'keys', 'creator.key.other'))
    await fsp.rename(path.join(home, 'keys', 'creator.key'), path.join(home, 'keys', 'creator.key.first'))
    await fsp.rename(path.join(home, 'keys', 'creator.key.other'), path.join(home, 'keys', 'creator.key'))
    try {
      const r = await json(['register', 'out/img1.png'])
      expect(r.code, r.stderr).toBe(0)
      const s = await json(['show', cid])
      expect(s.body.claims).toHaveLength(2)
      expect(s.body.claims[0].logIndex).toBe(firstIndex)
      expect(s.body.claims[1].prior).toEqual([{ index: firstIndex, leafHash: s.body.claims[0].leafHash }])
      // verify still reports the first registration.
      const v = await json(['verify', 'out/img1.png'])
      expect(v.body.statement.creator).toBe(did)
      expect(v.body.claims).toHaveLength(2)
    } finally {
      await fsp.rename(path.join(home, 'keys', 'creator.key'), path.join(home, 'keys', 'creator.key.other'))
      await fsp.rename(path.join(home, 'keys', 'creator.key.first'), path.join(home, 'keys', 'creator.key'))
    }
  })

  it('log checkpoint, prove and consistency', async () => {
    const c = await json(['log', 'checkpoint'])
    expect(c.code, c.stderr).toBe(0)
    expect(c.body.note).toMatch(/^mintmark\.local\/log\/.+\n5\n[A-Za-z0-9+/=]{44}\n\n— /)
    const p = await json(['log', 'prove', cid])
    expect(p.body).toMatchObject({ logIndex: firstIndex, treeSize: 5 })
    expect(p.body.hashes).toHaveLength(3) // any of leaves 0..3 in a 5-leaf tree
    const k = await json(['log', 'consistency', '3', '5'])
    expect(k.body.newRoot).toBe(c.body.rootHash)
    const a = await json(['audit'])
    expect(a.body).toMatchObject({ ok: true, entries: 5, problems: [] })
  })

  it('every user error is a typed error with a non-zero exit and no stack trace', async () => {
    const cases: [string[], string, number][] = [
      [['register', 'missing.png'], 'FILE_NOT_FOUND', 2],
      [['register', 'out', '--bogus-flag'], 'USAGE_INVALID', 2],
      [['register', 'out', '--workers', '2'], 'USAGE_INVALID', 2],
      [['register', 'out', '--workers', '1', '--watermark'], 'USAGE_INVALID', 2],
      [['register', 'out', '--royalty', 'not-a-did=100%'], 'MANIFEST_SCHEMA_INVALID', 2],
      [['register', 'out', '--royalty', `${'0x'}${'11'.repeat(20)}=60%`], 'MANIFEST_ROYALTY_SPLIT_INVALID', 2],
      [['register', 'out', '--parent', 'not-a-cid'], 'MANIFEST_SCHEMA_INVALID', 2],
      [['show', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'], 'ASSET_NOT_FOUND', 2],
      [['show', '../../etc/passwd'], 'CID_INVALID', 2],
      [['verify', 'out/img1.png', '--bundle', 'prompt.txt', '--offline'], 'JSON_INVALID', 2],
      [['verify', 'out/img1.png', '--offline'], 'USAGE_INVALID', 2],
      [['log', 'consistency', '4', '99'], 'MERKLE_INDEX_OUT_OF_RANGE', 2],
      [['frobnicate'], 'USAGE_INVALID', 2],
    ]
    const before = await json(['log', 'checkpoint'])
    for (const [args, code, exit] of cases) {
      const r = await cli([...args, '--json'])
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(exit)
      expect(JSON.parse(r.stdout).error.code, args.join(' ')).toBe(code)
      expect(r.stderr).toMatch(new RegExp(`^error ${code}: `))
      expect(r.stderr).not.toMatch(/\n\s+at .*\.(js|ts):\d+/)
    }
    // Nothing was written by any of them.
    const after = await json(['log', 'checkpoint'])
    expect(after.body.size).toBe(before.body.size)
    const nohome = await runCli(['show', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', '--home', path.join(work, 'nothing')])
    expect(nohome.code).toBe(2)
    expect(nohome.stderr).toMatch(/^error STORE_NOT_INITIALIZED/)
  }, 240_000) // a dozen CLI processes one after another: seconds each on a loaded machine

  it('register --workers 1 prepares on a worker thread, --workers 0 on this one: both verify', async () => {
    await fsp.mkdir(path.join(work, 'threads'))
    for (let i = 0; i < 4; i++) await png(path.join(work, 'threads', `t${i}.png`), 40 + i)
    const one = await json(['register', 'threads/t0.png', 'threads/t1.png', '--workers', '1'])
    expect(one.code, one.stderr).toBe(0)
    const zero = await json(['register', 'threads/t2.png', 'threads/t3.png', '--workers', '0'])
    expect(zero.code, zero.stderr).toBe(0)
    const assets = [...one.body.registered, ...zero.body.registered]
    expect(assets.map((a: { file: string }) => path.basename(a.file)).sort()).toEqual(['t0.png', 't1.png', 't2.png', 't3.png'])
    for (const a of assets) {
      const v = await json(['verify', a.file])
      expect(v.code, v.stderr).toBe(0)
      expect(v.body.asset.cid).toBe(a.cid)
    }
  }, 120_000)
})
