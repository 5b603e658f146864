import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { ed25519GroupOrder, verifyEd25519 } from './verify-ed25519.js'

// RFC 8032 §7.1 TEST 1–3 (secret key, public key, message, signature).
const rfc8032 = [
  {
    name: 'TEST 1',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
]

/**
 * The eight small-order points and their non-canonical encodings, as listed in the Ed25519
 * edge-case literature (Chalkias–Garillot–Nikolaenko "Taming the many EdDSAs"; C2SP/CCTV ed25519
 * low_order_A vectors). The test re-derives that each is of small order before relying on it.
 */
const smallOrderEncodings = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity (order 1)
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = -1 (order 2)
  '0000000000000000000000000000000000000000000000000000000000000000', // y = 0 (order 4)
  '0000000000000000000000000000000000000000000000000000000000000080', // y = 0, x negative (order 4)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
]
/** Non-canonical encodings (y ≥ p = 2^255 − 19) of small-order points: y = p (≡ 0), p + 1 (≡ 1), and with the sign bit. */
const nonCanonicalEncodings = [
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
]

/**
 * ed25519-speccheck (novifinancial, "Taming the many EdDSAs", cases.json): 10 signatures on the
 * boundary between implementations: small-order A (0, 1), mixed-order A (2–5), S ≥ ℓ (6, 7),
 * non-canonical R (8, 9). A strict verifier rejects all of them.
 */
const speccheck: Array<{ message: string; pub_key: string; signature: string }> = [
  { message: '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6', pub_key: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000' },
  { message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', pub_key: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04' },
  { message: 'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab', pub_key: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e' },
  { message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', pub_key: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009' },
  { message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', pub_key: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09' },
  { message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', pub_key: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405' },
  { message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', pub_key: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', signature: 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514' },
  { message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', pub_key: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', signature: '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22' },
  { message: 'fdaebc429f4a735932a160da1301080c13280eea8bc280d1b392c6b9e6ba3a5a', pub_key: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607' },
  { message: '84b698d39be126ff55fe45079e6c8bf64a0d7db6994560b4e96b7021eb39c1a1', pub_key: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09' },
]

function scalarToLE(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}
const scalarFromLE = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n)

describe('RFC 8032 §7.1 test vectors', () => {
  it.each(rfc8032.map((v) => [v.name, v] as const))('%s: signs to the published signature and verifies', (_, v) => {
    const secretKey = hexToBytes(v.secretKey)
    expect(bytesToHex(ed25519.getPublicKey(secretKey))).toBe(v.publicKey)
    expect(bytesToHex(ed25519.sign(hexToBytes(v.message), secretKey))).toBe(v.signature)
    expect(verifyEd25519({ signature: hexToBytes(v.signature), message: hexToBytes(v.message), publicKey: hexToBytes(v.publicKey) })).toEqual({ ok: true })
  })

  it('TEST 3: every single-bit flip of signature, message or key is rejected (784 cases)', () => {
    const v = rfc8032[2] as (typeof rfc8032)[number]
    const base = { signature: hexToBytes(v.signature), message: hexToBytes(v.message), publicKey: hexToBytes(v.publicKey) }
    let rejected = 0
    let total = 0
    for (const field of ['signature', 'message', 'publicKey'] as const) {
      for (let bit = 0; bit < base[field].length * 8; bit++) {
        const flipped = base[field].slice()
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7))
        total++
        if (!verifyEd25519({ ...base, [field]: flipped }).ok) rejected++
      }
    }
    expect(total).toBe(64 * 8 + 2 * 8 + 32 * 8)
    expect(rejected).toBe(total)
  })
})

describe('C6: Ed25519 edge cases are rejected with a typed code', () => {
  const v = rfc8032[1] as (typeof rfc8032)[number]
  const message = hexToBytes(v.message)
  const signature = hexToBytes(v.signature)
  const publicKey = hexToBytes(v.publicKey)

  it('non-canonical S: S + ℓ (and S + 2ℓ … while < 2^256) is rejected; plain noble ZIP-215 mode rejects it too', () => {
    const S = scalarFromLE(signature.subarray(32))
    expect(S < ed25519GroupOrder).toBe(true)
    for (let k = 1n; S + k * ed25519GroupOrder < 2n ** 256n; k++) {
      const malleated = signature.slice()
      malleated.set(scalarToLE(S + k * ed25519GroupOrder), 32)
      expect(verifyEd25519({ signature: malleated, message, publicKey })).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    }
  })

  it('S = ℓ exactly and S = 2^256 − 1 are rejected', () => {
    for (const S of [ed25519GroupOrder, 2n ** 256n - 1n]) {
      const malleated = signature.slice()
      malleated.set(scalarToLE(S), 32)
      expect(verifyEd25519({ signature: malleated, message, publicKey })).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    }
  })

  it('all eight small-order public keys are rejected, even with signatures that pass cofactored verification', () => {
    for (const hex of smallOrderEncodings) {
      const A = ed25519.Point.fromBytes(hexToBytes(hex), false)
      expect(A.multiplyUnsafe(8n).is0()).toBe(true) // really small order
      // With a small-order A and R = identity, S = 0: 8(SB) = 8R + 8kA holds for every message.
      const forged = new Uint8Array(64)
      forged.set(hexToBytes(smallOrderEncodings[0] as string), 0)
      expect(ed25519.verify(forged, message, hexToBytes(hex), { zip215: true })).toBe(true)
      expect(verifyEd25519({ signature: forged, message, publicKey: hexToBytes(hex) })).toMatchObject({ ok: false, code: 'KEY_INVALID' })
    }
  })

  it('non-canonical key encodings (y ≥ p) are rejected', () => {
    for (const hex of nonCanonicalEncodings) {
      expect(() => ed25519.Point.fromBytes(hexToBytes(hex), false)).toThrow()
      expect(verifyEd25519({ signature, message, publicKey: hexToBytes(hex) })).toMatchObject({ ok: false, code: 'KEY_INVALID' })
    }
  })

  it('a key with a torsion component (A + T, T of order 8) is rejected even when the signer makes a cofactored-valid signature', () => {
    const secretKey = hexToBytes(v.secretKey)
    const { scalar, prefix } = ed25519.utils.getExtendedPublicKey(secretKey)
    const T = ed25519.Point.fromBytes(hexToBytes(smallOrderEncodings[4] as string), false)
    const A = ed25519.Point.BASE.multiply(scalar).add(T)
    const mixedKey = A.toBytes()
    // Sign by hand over the mixed key: R = rB, k = H(R‖A'‖M), S = r + k·a. 8(SB) = 8R + 8kA' holds.
    const r = scalarFromLE(new Uint8Array(64).map((_, i) => (prefix[i % 32] as number) ^ i)) % ed25519GroupOrder
    const R = ed25519.Point.BASE.multiply(r).toBytes()
    const h = sha512(new Uint8Array([...R, ...mixedKey, ...message]))
    const k = scalarFromLE(h) % ed25519GroupOrder
    const S = (r + k * scalar) % ed25519GroupOrder
    const sig = new Uint8Array([...R, ...scalarToLE(S)])
    // noble's strict mode alone accepts it (A is not of small order): the torsion check is ours.
    expect(ed25519.verify(sig, message, mixedKey, { zip215: false })).toBe(true)
    expect(A.isTorsionFree()).toBe(false)
    expect(A.isSmallOrder()).toBe(false)
    expect(verifyEd25519({ signature: sig, message, publicKey: mixedKey })).toMatchObject({ ok: false, code: 'KEY_INVALID', detail: expect.stringContaining('torsion') })
  })

  it('malleated R (non-canonical encoding of the same point) is rejected', () => {
    // R = identity encoded as y = p + 1: a ZIP-215 verifier would decode it, a strict one must not.
    const forged = new Uint8Array(64)
    forged.set(hexToBytes(nonCanonicalEncodings[1] as string), 0)
    expect(verifyEd25519({ signature: forged, message, publicKey })).toMatchObject({ ok: false })
  })

  it('wrong lengths are rejected', () => {
    expect(verifyEd25519({ signature: signature.subarray(0, 63), message, publicKey })).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    expect(verifyEd25519({ signature: new Uint8Array([...signature, 0]), message, publicKey })).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    expect(verifyEd25519({ signature, message, publicKey: publicKey.subarray(0, 31) })).toMatchObject({ ok: false, code: 'KEY_INVALID' })
    expect(verifyEd25519({ signature, message, publicKey: new Uint8Array(33) })).toMatchObject({ ok: false, code: 'KEY_INVALID' })
  })

  it('ed25519-speccheck: all 10 boundary vectors are rejected (ZIP-215 mode accepts some, proving they bite)', () => {
    const codes = speccheck.map((c) => {
      const r = verifyEd25519({ signature: hexToBytes(c.signature), message: hexToBytes(c.message), publicKey: hexToBytes(c.pub_key) })
      return r.ok ? 'ok' : r.code
    })
    expect(codes).toEqual([
      'KEY_INVALID', // 0: small-order A
      'KEY_INVALID', // 1: small-order A
      'KEY_INVALID', // 2: mixed-order A
      'KEY_INVALID', // 3: mixed-order A
      'KEY_INVALID', // 4: mixed-order A
      'KEY_INVALID', // 5: mixed-order A
      'SIGNATURE_MALFORMED', // 6: S > ℓ
      'SIGNATURE_MALFORMED', // 7: S ≫ ℓ
      'KEY_INVALID', // 8: non-canonical R, with a mixed-order A
      'KEY_INVALID', // 9: non-canonical R, with a mixed-order A
    ])
    const lenient = speccheck.filter((c) => {
      try {
        return ed25519.verify(hexToBytes(c.signature), hexToBytes(c.message), hexToBytes(c.pub_key), { zip215: true })
      } catch {
        return false
      }
    }).length
    expect(lenient).toBeGreaterThanOrEqual(6)
  })

  it('never throws on junk', () => {
    const junk: unknown[] = [undefined, null, 'x', 1, {}, [], new Uint8Array(0)]
    for (const a of junk)
      for (const b of junk)
        expect(() => verifyEd25519({ signature: a, message: b, publicKey: a } as never)).not.toThrow()
  })
})
