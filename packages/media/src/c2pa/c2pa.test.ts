import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MintmarkError } from '@mintmark/core'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { readC2pa } from './read-c2pa.js'
import { type WriteC2paParameters, writeC2pa } from './write-c2pa.js'

// Test files: c2pa-org/public-testfiles and c2pa-rs fixtures, in /work/shared/testdata/c2pa (see its README there).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const c2paDir = path.resolve(repoRoot, '..', 'shared', 'testdata', 'c2pa')
const read = (name: string) => new Uint8Array(readFileSync(path.join(c2paDir, name)))
const text = (name: string) => readFileSync(path.join(c2paDir, 'certs', name), 'utf8')
const trainedAlgorithmicMedia = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia'

function present(r: Awaited<ReturnType<typeof readC2pa>>) {
  if (!r.present) throw new Error('no manifest')
  return r
}

describe('readC2pa on real files', () => {
  test('C.jpg: valid, created by make_test_images, algorithmicMedia, signer from the test CA', async () => {
    const r = present(await readC2pa(read('C.jpg')))
    expect(r.valid).toBe(true)
    expect(r.validationStatus).toEqual([])
    expect(r.validationResults.map((e) => e.code)).toEqual(expect.arrayContaining(['claimSignature.validated', 'assertion.dataHash.match']))
    expect(r).toMatchObject({ title: 'C.jpg', claimGenerator: expect.stringMatching(/^make_test_images/), digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia' })
    expect(r.actions).toEqual([{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia', softwareAgent: 'Make Test Images 0.33.1' }])
    expect(r.ingredients).toEqual([])
    expect(r.signer).toMatchObject({ subject: expect.stringContaining('CN=C2PA Signer'), issuer: expect.stringContaining('Intermediate CA'), algorithm: expect.any(String), chainLength: 1 })
  })

  test('CA.jpg: valid, opened from its parent A.jpg', async () => {
    const r = present(await readC2pa(read('CA.jpg')))
    expect(r.valid).toBe(true)
    expect(r.ingredients).toEqual([expect.objectContaining({ title: 'A.jpg', relationship: 'parentOf', format: 'image/jpeg' })])
    expect(r.actions.map((a) => a.action)).toEqual(['c2pa.opened', 'c2pa.color_adjustments'])
  })

  test('trust anchors: a chain is trusted under its own intermediate, not under a same-named CA with another key', async () => {
    const certs = (name: string) => text(name).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) as string[]
    const signed = await writeC2pa(read('earth_apollo17.jpg'), {
      manifest: { title: 't', claimGenerator: { name: 'Mintmark' }, actions: [{ action: 'c2pa.created', digitalSourceType: 'trainedAlgorithmicMedia' }] },
      signer: { certificateChainPem: text('es256.pub'), privateKeyPem: text('es256.pem'), alg: 'es256' },
    })
    const trusted = present(await readC2pa(signed, { trustAnchorsPem: certs('es256.pub')[1] as string }))
    expect(trusted.signer?.trusted).toBe(true)
    expect(trusted.valid).toBe(true)
    // The ed25519 test chain's intermediate has the same name and a different key.
    const impostor = present(await readC2pa(signed, { trustAnchorsPem: certs('ed25519.pub')[1] as string }))
    expect(impostor.signer?.trusted).toBe(false)
    expect(impostor.valid).toBe(false)
    expect(impostor.validationStatus).toEqual(['signingCredential.untrusted'])
    expect(present(await readC2pa(read('ocsp.jpg'), { trustAnchorsPem: certs('es256.pub') })).signer?.trusted).toBe(false)
    expect(present(await readC2pa(signed)).signer?.trusted).toBeUndefined()
    await expect(readC2pa(read('C.jpg'), { trustAnchorsPem: 'nope' })).rejects.toMatchObject({ code: 'KEY_INVALID' })
  })

  test('the Adobe CAICAI file reads (two manifests, two ingredients); c2pa-ts flags its placed-ingredient hash', async () => {
    const r = present(await readC2pa(read('adobe-20220124-E-clm-CAICAI.jpg')))
    expect(r.manifests).toHaveLength(2)
    expect(r.ingredients.map((i) => [i.title, i.relationship])).toEqual([
      ['A.jpg', 'parentOf'],
      ['CAI.jpg', 'componentOf'],
    ])
    expect(r.ingredients[1]?.manifest).toContain('urn:uuid:8bb8ad50')
    expect(r.actions.map((a) => a.action)).toContain('c2pa.placed')
    console.log('CAICAI validationStatus:', JSON.stringify(r.validationStatus))
  })

  test('ocsp.jpg: the Firefly ingredient manifest holds the trainedAlgorithmicMedia created action', async () => {
    const r = present(await readC2pa(read('ocsp.jpg')))
    expect(r.claimGenerator).toMatch(/^Adobe Photoshop/)
    expect(r.digitalSourceType).toBe('http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia')
    const firefly = r.manifests[0]
    expect(firefly?.actions[0]).toEqual({ action: 'c2pa.created', digitalSourceType: trainedAlgorithmicMedia, softwareAgent: 'Adobe Firefly' })
    expect(r.ingredients[0]).toMatchObject({ title: 'ocsp.jpg', relationship: 'componentOf', manifest: firefly?.label })
    expect(r.signer?.timestamp).toBe('2025-08-13T16:30:55.000Z')
  })

  test('files without a manifest: present false; unsupported and corrupt containers are typed errors', async () => {
    expect(await readC2pa(read('earth_apollo17.jpg'))).toEqual({ present: false })
    expect(await readC2pa(read('IMG_0003.jpg'))).toEqual({ present: false })
    expect(await readC2pa(read('libpng-test.png'))).toEqual({ present: false })
    const webp = new Uint8Array(await sharp(read('earth_apollo17.jpg')).resize(32).webp().toBuffer())
    await expect(readC2pa(webp)).rejects.toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED' })
    await expect(readC2pa('x' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })

  test('CACA.jpg (claim v2 with a signature c2pa-ts 0.9 cannot decode) is present and not valid', async () => {
    const r = present(await readC2pa(read('CACA.jpg')))
    expect(r.valid).toBe(false)
    expect(r.validationStatus.length).toBeGreaterThan(0)
  })

  test('flipping bits of C.jpg in the image data or in the signed manifest content never reads as valid', async () => {
    const original = read('C.jpg')
    const latin1 = new TextDecoder('latin1').decode(original)
    // Signed content: the thumbnail assertion's JPEG and the claim's CBOR (each covered by a hash
    // or the COSE signature). JUMBF box headers, labels and the COSE unprotected header (padding,
    // timestamp token) are not covered by any signature in C2PA; they are measured separately.
    const thumbnail = [latin1.indexOf('c2pa.thumbnail.claim') + 40, latin1.indexOf('jumdcbor') - 16] as const
    const claim = [latin1.indexOf('c2pa.claim') + 20, latin1.indexOf('c2pa.signature') - 40] as const
    const scan = [latin1.lastIndexOf('\xff\xda') + 20, original.length - 2] as const
    expect(thumbnail[1] - thumbnail[0]).toBeGreaterThan(10_000)
    expect(claim[1] - claim[0]).toBeGreaterThan(100)
    let s = 12345
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return s / 4294967296
    }
    const outcomes = { invalid: 0, error: 0, stillValid: 0 }
    const regions = [scan, thumbnail, claim]
    for (let i = 0; i < 90; i++) {
      const [from, to] = regions[i % 3] as readonly [number, number]
      const at = from + Math.floor(rnd() * (to - from))
      const bytes = original.slice()
      bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(rnd() * 8))
      try {
        const r = await readC2pa(bytes)
        if (r.present && r.valid) outcomes.stillValid++
        else outcomes.invalid++
      } catch (error) {
        expect(error).toBeInstanceOf(MintmarkError)
        outcomes.error++
      }
    }
    console.log('C.jpg single-bit flips in image data, thumbnail and claim:', JSON.stringify(outcomes))
    expect(outcomes.stillValid).toBe(0)
  })
})

const manifest: WriteC2paParameters['manifest'] = {
  title: 'sunset.jpg',
  claimGenerator: { name: 'Mintmark', version: '0.1.0' },
  actions: [
    { action: 'c2pa.opened', softwareAgent: { name: 'Mintmark', version: '0.1.0' } },
    { action: 'c2pa.edited', digitalSourceType: 'trainedAlgorithmicMedia', softwareAgent: { name: 'img2img-model', version: '2' } },
  ],
  ingredients: [
    { title: 'parent.png', relationship: 'parentOf', format: 'image/png', hash: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', cid: 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba' },
    { title: 'style.jpg', relationship: 'componentOf', format: 'image/jpeg' },
  ],
  trainingMining: { aiTraining: 'notAllowed', aiGenerativeTraining: 'notAllowed', dataMining: { use: 'constrained', constraintInfo: 'licence mintmark:lic:1' }, aiInference: 'allowed' },
  softBinding: { watermarkPayload: '0123456789abcdef', pdqHash: 'f'.repeat(64) },
  mintmark: { statementHash: 'sha256:abcd', logIndex: 42, bundleUrl: 'https://log.example/bundles/42', cid: 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba' },
}

describe('writeC2pa', () => {
  for (const alg of ['es256', 'ed25519'] as const) {
    test(`JPEG signed with ${alg}: c2pa-ts validates it and reads back the same content`, async () => {
      const signer = { certificateChainPem: text(`${alg}.pub`), privateKeyPem: text(`${alg}.pem`), alg }
      const out = await writeC2pa(read('earth_apollo17.jpg'), { manifest, signer })
      const r = present(await readC2pa(out))
      expect(r.validationStatus).toEqual([])
      expect(r.valid).toBe(true)
      expect(r).toMatchObject({ title: 'sunset.jpg', claimGenerator: 'Mintmark/0.1.0', digitalSourceType: trainedAlgorithmicMedia })
      expect(r.actions).toEqual([
        { action: 'c2pa.opened', softwareAgent: 'Mintmark 0.1.0' },
        { action: 'c2pa.edited', digitalSourceType: trainedAlgorithmicMedia, softwareAgent: 'img2img-model 2' },
      ])
      expect(r.ingredients).toEqual([
        { title: 'parent.png', format: 'image/png', relationship: 'parentOf', hash: manifest.ingredients?.[0]?.hash, cid: manifest.ingredients?.[0]?.cid },
        { title: 'style.jpg', format: 'image/jpeg', relationship: 'componentOf' },
      ])
      expect(r.trainingMining).toEqual({
        'c2pa.ai_training': { use: 'notAllowed' },
        'c2pa.ai_generative_training': { use: 'notAllowed' },
        'c2pa.data_mining': { use: 'constrained', constraintInfo: 'licence mintmark:lic:1' },
        'c2pa.ai_inference': { use: 'allowed' },
      })
      expect(r.softBindings).toEqual([
        { alg: 'org.mintmark.watermark.1', value: '0123456789abcdef' },
        { alg: 'org.mintmark.pdq.1', value: 'f'.repeat(64) },
      ])
      expect(r.mintmark).toEqual(manifest.mintmark)
      expect(r.signer).toMatchObject({ algorithm: alg === 'es256' ? 'ES256' : 'Ed25519', chainLength: 1 })
      // The image still decodes to the same pixels.
      expect((await sharp(out).raw().toBuffer()).equals(await sharp(read('earth_apollo17.jpg')).raw().toBuffer())).toBe(true)

      // Tampering: a pixel-data byte, a manifest byte.
      const pixels = out.slice()
      pixels[pixels.length - 200] = (pixels[pixels.length - 200] as number) ^ 0x01
      expect(present(await readC2pa(pixels)).valid).toBe(false)
      const text8 = new TextDecoder('latin1').decode(out)
      const at = text8.indexOf('sunset.jpg')
      expect(at).toBeGreaterThan(0)
      const manifestByte = out.slice()
      manifestByte[at] = 'S'.charCodeAt(0)
      const tampered = present(await readC2pa(manifestByte))
      expect(tampered.valid).toBe(false)
      expect(tampered.validationStatus).toContain('claimSignature.mismatch')
    })
  }

  test('PNG: written and validated', async () => {
    const png = new Uint8Array(await sharp(read('earth_apollo17.jpg')).resize(200).png().toBuffer())
    const out = await writeC2pa(png, { manifest, signer: { certificateChainPem: text('es256.pub'), privateKeyPem: text('es256.pem'), alg: 'es256' } })
    const r = present(await readC2pa(out))
    expect(r.validationStatus).toEqual([])
    expect((await sharp(out).metadata()).format).toBe('png')
  })

  test('re-signing a file that has a manifest replaces the store', async () => {
    const out = await writeC2pa(read('C.jpg'), { manifest, signer: { certificateChainPem: text('es256.pub'), privateKeyPem: text('es256.pem'), alg: 'es256' } })
    const r = present(await readC2pa(out))
    expect(r.valid).toBe(true)
    expect(r.manifests).toHaveLength(1)
  })

  test('bad input: wrong key for the certificate, missing fields, unsupported format', async () => {
    const jpeg = read('earth_apollo17.jpg')
    const mismatched = { certificateChainPem: text('es256.pub'), privateKeyPem: text('ed25519.pem'), alg: 'es256' as const }
    await expect(writeC2pa(jpeg, { manifest, signer: mismatched })).rejects.toMatchObject({ code: 'KEY_INVALID' })
    await expect(writeC2pa(jpeg, { manifest, signer: { ...mismatched, certificateChainPem: 'x' } })).rejects.toMatchObject({ code: 'KEY_INVALID' })
    const signer = { certificateChainPem: text('es256.pub'), privateKeyPem: text('es256.pem'), alg: 'es256' as const }
    await expect(writeC2pa(jpeg, { manifest: { ...manifest, actions: [{ action: 'c2pa.edited' }] }, signer })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      fields: ['manifest.actions'],
    })
    await expect(writeC2pa(jpeg, { manifest: { ...manifest, title: '' }, signer })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    const webp = new Uint8Array(await sharp(jpeg).resize(32).webp().toBuffer())
    await expect(writeC2pa(webp, { manifest, signer })).rejects.toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED' })
  })
})
