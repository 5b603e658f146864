import * as dagPb from '@ipld/dag-pb'
import fc from 'fast-check'
import { base32, base32upper } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { describe, expect, it } from 'vitest'
import { isContentId } from './is-content-id.js'
import { isCanonicalSha256CidV1, parseContentId } from './parse-content-id.js'
import { toContentId } from './to-content-id.js'

// Published CIDs: kubo test/cli/add_test.go and cid_profiles_test.go, IPIP-0499 fixtures.
const helloRaw = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
const overChunkDagPb = 'bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64'
const emptyDirDagPb = 'bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354'
const helloV0 = 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD'
const helloSha512 =
  'bafkrgqbqt3gerhas23vuzrapkdeqf4vu2dwxp3srdj6hvg6nhsug2tgyn6mj3u23yx7utftq3i2ckw2fwdh5qmhid5qf3t35yvkc5e5ottlw6'

const expectInvalid = (value: unknown) => {
  expect(() => parseContentId(value)).toThrow(expect.objectContaining({ code: 'CID_INVALID' }))
  expect(isContentId(value)).toBe(false)
}

describe('parseContentId', () => {
  it('accepts CIDv1 sha2-256 raw and dag-pb CIDs in base32', () => {
    for (const cid of [helloRaw, overChunkDagPb, emptyDirDagPb]) {
      expect(parseContentId(cid)).toBe(cid)
      expect(isContentId(cid)).toBe(true)
    }
  })

  it('rejects CIDv0, other bases, other hashes and other codecs', () => {
    const helloCid = CID.parse(helloRaw)
    expectInvalid(helloV0)
    expectInvalid(helloSha512)
    expectInvalid(helloCid.toString(base58btc))
    expectInvalid(helloCid.toString(base32upper))
    expectInvalid(CID.createV1(0x71, helloCid.multihash).toString()) // dag-cbor
    expectInvalid(CID.createV1(0x0129, helloCid.multihash).toString()) // dag-json
    expectInvalid(CID.createV1(raw.code, identity.digest(new Uint8Array(32))).toString())
    // sha2-256 code with a 31-byte digest (length 58) and sha2-256 declared with 33 bytes.
    expectInvalid(CID.createV1(raw.code, Digest.create(0x12, new Uint8Array(31))).toString())
    expectInvalid(CID.createV1(raw.code, Digest.create(0x12, new Uint8Array(33))).toString())
  })

  it('rejects garbage, wrong types, over-long and non-canonical input', () => {
    for (const value of [undefined, null, 42, {}, [], '', 'b', 'hello', ` ${helloRaw}`, `${helloRaw}\n`, helloRaw.slice(0, 58), `${helloRaw}a`]) {
      expectInvalid(value)
    }
    expectInvalid(`b${'a'.repeat(58)}`)
    expectInvalid(`b${'1'.repeat(58)}`)
    // The last character carries 2 padding bits: a set padding bit is not the canonical spelling.
    const last = helloRaw.at(-1)!
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
    const flipped = helloRaw.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]
    expectInvalid(flipped)
    const started = performance.now()
    expectInvalid(`b${'a'.repeat(10_000_000)}`)
    expect(performance.now() - started).toBeLessThan(200)
  })

  it('the error names the problem and truncates long input', () => {
    try {
      parseContentId(`x${'y'.repeat(500)}`)
      expect.fail('should throw')
    } catch (error) {
      expect(error).toMatchObject({ code: 'CID_INVALID', shortMessage: 'Invalid content ID: expected 59 characters, got 501.' })
      expect(String((error as Error).message).length).toBeLessThan(600)
    }
  })

  it('fast-check: any 32-byte digest as raw or dag-pb round-trips; other strings fail only with CID_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (digest, pb) => {
        const cid = CID.createV1(pb ? dagPb.code : raw.code, Digest.create(0x12, digest))
        expect(parseContentId(cid.toString())).toBe(cid.toString(base32))
        expect(toContentId(cid)).toBe(cid.toString())
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567'), minLength: 58, maxLength: 58 }).map((s) => `b${s}`)), (s) => {
        try {
          const parsed = parseContentId(s)
          const cid = CID.parse(parsed)
          expect(cid.version).toBe(1)
          expect(cid.multihash.code).toBe(0x12)
        } catch (error) {
          expect(error).toMatchObject({ code: 'CID_INVALID' })
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('isCanonicalSha256CidV1, the fast path of parseContentId', () => {
  // The rules as multiformats applies them, independently of the fast path.
  const reference = (s: string): boolean => {
    if (!/^b[a-z2-7]{58}$/.test(s)) return false
    try {
      const cid = CID.parse(s, base32)
      return (
        cid.version === 1 && (cid.code === raw.code || cid.code === dagPb.code) && cid.multihash.code === 0x12 && cid.multihash.size === 32 && cid.toString(base32) === s
      )
    } catch {
      return false
    }
  }
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'

  it('agrees with multiformats on valid CIDs, on every one-character change of them, and on random strings', () => {
    for (const cid of [helloRaw, overChunkDagPb, emptyDirDagPb]) expect(isCanonicalSha256CidV1(cid)).toBe(true)
    for (const s of [helloV0, helloSha512, '', 'b', `B${helloRaw.slice(1)}`, helloRaw.toUpperCase(), `${helloRaw.slice(0, 30)}é${helloRaw.slice(31)}`]) {
      expect(isCanonicalSha256CidV1(s)).toBe(false)
    }
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(raw.code, dagPb.code, 0x71, 0x0129),
        fc.nat({ max: 58 }),
        fc.constantFrom(...`${alphabet}A1!=\u0100`),
        (digest, codec, at, c) => {
          const cid = CID.createV1(codec, Digest.create(0x12, digest)).toString()
          expect(isCanonicalSha256CidV1(cid)).toBe(reference(cid))
          const changed = cid.slice(0, at) + c + cid.slice(at + 1)
          expect(isCanonicalSha256CidV1(changed)).toBe(reference(changed))
        },
      ),
      { numRuns: 3000 },
    )
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...alphabet), minLength: 58, maxLength: 58 }), (body) => {
        expect(isCanonicalSha256CidV1(`b${body}`)).toBe(reference(`b${body}`))
      }),
      { numRuns: 3000 },
    )
  })

  it('every header byte and both padding bits matter', () => {
    const bytes = CID.parse(helloRaw).bytes
    for (let i = 0; i < 4; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = Uint8Array.from(bytes)
        b[i] = (b[i] as number) ^ (1 << bit)
        const s = base32.encode(b)
        expect(isCanonicalSha256CidV1(s), `byte ${i} bit ${bit}`).toBe(reference(s))
      }
    }
    const last = alphabet.indexOf(helloRaw.at(-1) as string)
    for (const pad of [1, 2, 3]) expect(isCanonicalSha256CidV1(helloRaw.slice(0, -1) + alphabet[(last & ~3) | pad])).toBe(false)
  })
})

describe('toContentId', () => {
  it('converts a valid CID object and refuses a CIDv0 one', () => {
    expect(toContentId(CID.parse(helloRaw))).toBe(helloRaw)
    expect(() => toContentId(CID.parse(helloV0))).toThrow(expect.objectContaining({ code: 'CID_INVALID' }))
  })
})
