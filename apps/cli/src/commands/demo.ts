import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { exportBundle, initHome, logCheckpoint, logConsistency, openApp, register, verifyFile, verifyOffline } from '@mintmark/app'
import { MintmarkError, bundleToJSON } from '@mintmark/core'
import sharp from 'sharp'
import { parse } from '../args.js'
import { type Io, printJson } from '../output.js'
import { formatReport } from './verify.js'

export const help = `mintmark demo [--home DIR] [--json]
  Runs Mintmark's main job end to end on the embedded defaults: creates a home (a fresh temporary
  one unless --home), makes sample assets (model weights, a generated image and a derivative),
  registers them with lineage and royalties, verifies them against the log and offline from a
  bundle, and shows that a tampered file or bundle does not verify. Exit 0 when every step
  behaved as expected.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {})
  const home = values.home ? path.resolve(io.cwd, values.home) : await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-demo-'))
  const work = path.join(home, 'demo-assets')
  await fsp.mkdir(work, { recursive: true })
  const say = (t: string) => {
    if (!values.json) io.stdout(`${t}\n`)
  }
  const steps: { step: string; expected: string; got: string; ok: boolean }[] = []
  const expect = (step: string, expected: string, got: string) => {
    steps.push({ step, expected, got, ok: expected === got })
    say(`${expected === got ? '✓' : '✗'} ${step}: ${got}${expected === got ? '' : ` (expected ${expected})`}`)
  }

  const init = await initHome({ home })
  say(`home ${init.home}\ncreator ${init.creator}\n`)

  // Sample assets: model weights, a prompt, a "generated" image and a derivative of it.
  const weights = path.join(work, 'demo-diffusion-1.0.safetensors')
  await fsp.writeFile(weights, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24)))
  const prompt = path.join(work, 'prompt.txt')
  await fsp.writeFile(prompt, 'a lighthouse on a basalt cliff at dawn, volumetric light\n')
  const base = path.join(work, 'lighthouse.png')
  await writeImage(base, 256, 192, (x, y) => [(x * 255) / 256, (y * 255) / 192, 160])
  const derived = path.join(work, 'lighthouse-poster.png')
  await writeImage(derived, 256, 192, (x, y) => [255 - (x * 255) / 256, (y * 255) / 192, 90])

  const ctx = await openApp({ home })
  try {
    const w = await register(ctx, { files: [weights], digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'Apache-2.0' } })
    const weightsCid = w.registered[0]?.cid as string
    expect('register model weights', 'registered', w.registered.length === 1 ? 'registered' : 'not registered')
    const r1 = await register(ctx, {
      files: [base],
      digitalSourceType: 'trainedAlgorithmicMedia',
      generation: { model: { name: 'demo-diffusion', version: '1.0', weightsHash: weightsCid }, promptHash: await promptHash(prompt) },
      datasets: [{ id: 'laion-demo-subset' }],
      license: { spdx: 'CC-BY-4.0' },
    })
    const baseCid = r1.registered[0]?.cid as string
    expect('register generated image', 'registered', r1.registered.length === 1 ? 'registered' : 'not registered')
    const r2 = await register(ctx, {
      files: [derived],
      digitalSourceType: 'compositeWithTrainedAlgorithmicMedia',
      parents: [{ cid: baseCid, relation: 'parentOf' }],
      edits: [{ action: 'c2pa.color_adjustments', actor: 'human' }],
      license: { spdx: 'CC-BY-NC-4.0' },
      royalties: [
        { payee: init.creator, bps: 7000 },
        { payee: '0x000000000000000000000000000000000000dEaD', bps: 3000 },
      ],
    })
    expect('register derivative with parent and royalty split', 'registered', r2.registered.length === 1 ? 'registered' : 'not registered')
    const again = await register(ctx, { files: [base], digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } })
    expect('re-run register on the same file', 'skipped', again.skipped.length === 1 ? 'skipped' : 'registered again')

    const v1 = await verifyFile(ctx, base)
    say(formatReport(v1))
    expect('verify the generated image against the log', 'verified', v1.verdict)

    const bundlePath = path.join(work, 'lighthouse.bundle.json')
    await fsp.writeFile(bundlePath, bundleToJSON(await exportBundle(ctx, baseCid)))
    const v2 = await verifyOffline({ file: base, bundlePath, trustedLogKeys: [ctx.logKey] })
    expect('verify offline from the bundle alone', 'verified', v2.verdict)

    const tampered = path.join(work, 'lighthouse-tampered.png')
    const bytes = await fsp.readFile(base)
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 1
    await fsp.writeFile(tampered, bytes)
    // One flipped bit breaks a PNG chunk's CRC: there is no record of those bytes, and the
    // similarity lookup refuses the corrupt image with a typed error. Either way: not verified.
    const flipped = await verifyFile(ctx, tampered).then(
      (r) => r.verdict,
      (e: unknown) => (e instanceof MintmarkError ? e.code : 'crash'),
    )
    expect('verify a file with one flipped bit against the log (now a corrupt PNG)', 'IMAGE_INVALID', flipped)
    expect('verify the flipped file against the bundle', 'failed', (await verifyOffline({ file: tampered, bundlePath })).verdict)

    const bundle = JSON.parse(await fsp.readFile(bundlePath, 'utf8'))
    bundle.entry.statement.rights.license = { spdx: 'CC0-1.0' }
    const forged = path.join(work, 'lighthouse.forged-bundle.json')
    await fsp.writeFile(forged, JSON.stringify(bundle))
    expect('verify a bundle whose licence was edited', 'failed', (await verifyOffline({ file: base, bundlePath: forged })).verdict)

    const cp = await logCheckpoint(ctx)
    const cons = await logConsistency(ctx, 1, cp.size)
    expect('consistency proof from size 1 to the latest checkpoint', 'proved', cons.newRoot === cp.rootHash ? 'proved' : 'root differs')
    say(`\ncheckpoint:\n${cp.note}`)
  } finally {
    ctx.close()
  }
  const ok = steps.every((s) => s.ok)
  if (values.json) printJson(io, { home, ok, steps })
  else say(`${ok ? 'Demo finished: every step behaved as expected.' : 'Demo FAILED.'}\nTry: MINTMARK_HOME=${home} npx mintmark show <cid>`)
  return ok ? 0 : 3
}

async function writeImage(file: string, width: number, height: number, px: (x: number, y: number) => [number, number, number]) {
  const data = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = px(x, y)
      const o = (y * width + x) * 3
      data[o] = r
      data[o + 1] = g
      data[o + 2] = b
    }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(file)
}

async function promptHash(file: string): Promise<string> {
  const { createHash } = await import('node:crypto')
  return `sha256:${createHash('sha256').update(await fsp.readFile(file, 'utf8')).digest('hex')}`
}
