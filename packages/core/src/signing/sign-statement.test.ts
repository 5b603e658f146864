import { ed25519 } from '@noble/curves/ed25519.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../canonical/canonicalize.js'
import { MintmarkError } from '../errors/base.js'
import { didKeyFromPublicKey } from '../keys/did-key-from-public-key.js'
import { base64urlToBytes, bytesToBase64url } from './base64url.js'
import { createLocalSigner } from './create-local-signer.js'
import { signStatement } from './sign-statement.js'
import { statementSigningInput } from './statement-signing-input.js'
import type { Signer } from './types.js'
import { verifyStatementSignature } from './verify-statement-signature.js'

// RFC 8032 TEST 1 key, so the signatures below are reproducible by anyone.
const secretKey = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
const signer = createLocalSigner(secretKey)
const statement = { type: 'mintmark.manifest', version: 1, title: 'caf\u00e9 \u{1f600}', n: [1, 2.5, 1e21] }

describe('statementSigningInput', () => {
  it('is the domain prefix followed by the JCS bytes', () => {
    const text = new TextDecoder().decode(statementSigningInput({ b: 1, a: [true, 'x'] }))
    expect(text).toBe('mintmark/statement/v1\n{"a":[true,"x"],"b":1}')
    expect(statementSigningInput(statement)).toEqual(new TextEncoder().encode(`mintmark/statement/v1\n${canonicalize(statement)}`))
  })

  it('throws JCS_INVALID for values that are not I-JSON', () => {
    expect(() => statementSigningInput({ a: Number.NaN })).toThrow(MintmarkError)
  })
})

describe('signStatement / verifyStatementSignature', () => {
  it('signs deterministically with the signer DID as kid, and verifies', async () => {
    expect(signer.did).toBe(didKeyFromPublicKey(hexToBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')))
    const signed = await signStatement(statement, signer)
    expect(signed.statement).toBe(statement)
    expect(signed.signature.alg).toBe('Ed25519')
    expect(signed.signature.kid).toBe(signer.did)
    expect(signed.signature.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    expect(signed).toEqual(await signStatement(statement, signer)) // Ed25519 is deterministic
    // The signature is plain Ed25519 over the signing input: any RFC 8032 verifier agrees.
    const sig = base64urlToBytes(signed.signature.sig) as Uint8Array
    expect(ed25519.verify(sig, statementSigningInput(statement), ed25519.getPublicKey(secretKey))).toBe(true)
    expect(verifyStatementSignature(signed)).toEqual({ ok: true })
  })

  it('verifies after a JSON round trip with reordered keys (the signature covers meaning, not layout)', async () => {
    const signed = await signStatement(statement, signer)
    const reordered = JSON.parse(JSON.stringify({ signature: signed.signature, statement: { n: statement.n, version: 1, title: statement.title, type: statement.type } }))
    expect(verifyStatementSignature(reordered)).toEqual({ ok: true })
  })

  it('is domain-separated: a raw signature over the bare JCS bytes does not verify', async () => {
    const bare = ed25519.sign(new TextEncoder().encode(canonicalize(statement)), secretKey)
    const result = verifyStatementSignature({ statement, signature: { alg: 'Ed25519', kid: signer.did, sig: bytesToBase64url(bare) } })
    expect(result).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' })
  })

  it('rejects any change to the statement', async () => {
    const signed = await signStatement(statement, signer)
    const changes: unknown[] = [
      { ...statement, version: 2 },
      { ...statement, title: 'cafe \u{1f600}' },
      { ...statement, n: [1, 2.5, 1e21, 0] },
      { ...statement, extra: null },
      { type: statement.type, version: 1, title: statement.title },
    ]
    for (const s of changes) expect(verifyStatementSignature({ statement: s, signature: signed.signature })).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' })
  })

  it('rejects a signature moved to another key', async () => {
    const signed = await signStatement(statement, signer)
    const other = createLocalSigner(hexToBytes('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'))
    expect(verifyStatementSignature({ statement, signature: { ...signed.signature, kid: other.did } })).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' })
  })

  it('rejects malleated signatures: S + ℓ, flipped bits, other encodings of the same bytes', async () => {
    const signed = await signStatement(statement, signer)
    const sig = base64urlToBytes(signed.signature.sig) as Uint8Array
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    let S = sig.subarray(32).reduceRight((a, x) => (a << 8n) | BigInt(x), 0n) + L
    const plusL = sig.slice()
    for (let i = 32; i < 64; i++) {
      plusL[i] = Number(S & 0xffn)
      S >>= 8n
    }
    const check = (s: string) => verifyStatementSignature({ statement, signature: { ...signed.signature, sig: s } })
    expect(check(bytesToBase64url(plusL))).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    for (let bit = 0; bit < 512; bit += 7) {
      const flipped = sig.slice()
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7))
      expect(check(bytesToBase64url(flipped)).ok).toBe(false)
    }
    // Base64url is strict: padding, standard alphabet and nonzero trailing bits are other spellings.
    const s = signed.signature.sig
    expect(check(`${s}==`)).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    expect(check(s.replace(/-/g, '+').replace(/_/g, '/'))).toMatchObject({ ok: s.includes('-') || s.includes('_') ? false : true })
    const last = s.charCodeAt(85)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sameBytes = alphabet[alphabet.indexOf(String.fromCharCode(last)) ^ 1] as string // differs only in unused low bits
    expect(check(s.slice(0, 85) + sameBytes)).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    expect(check(s.slice(0, 85))).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
  })

  it('maps DID problems to DID_INVALID / DID_UNSUPPORTED, including small-order did:key keys', async () => {
    const signed = await signStatement(statement, signer)
    const smallOrderDid = didKeyFromPublicKey(hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'))
    // S = 0 with R = identity passes cofactored verification for a small-order key: must still fail.
    const forged = new Uint8Array(64)
    forged[0] = 1
    expect(verifyStatementSignature({ statement, signature: { alg: 'Ed25519', kid: smallOrderDid, sig: bytesToBase64url(forged) } })).toMatchObject({ ok: false, code: 'DID_INVALID' })
    expect(verifyStatementSignature({ statement, signature: { ...signed.signature, kid: 'did:web:example.com' } })).toMatchObject({ ok: false, code: 'DID_UNSUPPORTED' })
    expect(verifyStatementSignature({ statement, signature: { ...signed.signature, kid: 'did:key:nope' } })).toMatchObject({ ok: false, code: 'DID_INVALID' })
  })

  it.each<[string, unknown]>([
    ['null', null],
    ['no signature', { statement }],
    ['signature null', { statement, signature: null }],
    ['wrong alg', { statement, signature: { alg: 'ES256', kid: 'did:key:z6Mk', sig: 'x' } }],
    ['kid not a string', { statement, signature: { alg: 'Ed25519', kid: 1, sig: 'x' } }],
    ['sig not a string', { statement, signature: { alg: 'Ed25519', kid: signer.did, sig: 1 } }],
    ['sig too short', { statement, signature: { alg: 'Ed25519', kid: signer.did, sig: 'AAAA' } }],
    ['statement not I-JSON', { statement: { a: 1n }, signature: { alg: 'Ed25519', kid: signer.did, sig: 'A'.repeat(86) } }],
  ])('%s → SIGNATURE_MALFORMED', (_, value) => {
    expect(verifyStatementSignature(value as never)).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
  })

  it('never throws, even on hostile objects (1,000 fast-check runs)', () => {
    const hostile = { get signature(): never {
      throw new Error('boom')
    }, statement }
    expect(verifyStatementSignature(hostile)).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' })
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.string(), (st, kid, sig) => {
        const r = verifyStatementSignature({ statement: st, signature: { alg: 'Ed25519', kid, sig } })
        expect(r.ok).toBe(false)
        const r2 = verifyStatementSignature(st as never)
        expect(r2.ok).toBe(false)
      }),
      { numRuns: 1_000, seed: 25519 },
    )
  })

  it('signStatement refuses bad signers and non-I-JSON statements', async () => {
    const bad: Signer = { alg: 'Ed25519', did: signer.did, sign: async () => new Uint8Array(10) }
    await expect(signStatement(statement, bad)).rejects.toMatchObject({ code: 'SIGNATURE_MALFORMED' })
    await expect(signStatement({ a: undefined }, signer)).rejects.toMatchObject({ code: 'JCS_INVALID' })
    await expect(signStatement(statement, { ...signer, did: 'nope' as never })).rejects.toMatchObject({ code: 'DID_INVALID' })
    expect(() => createLocalSigner(new Uint8Array(31))).toThrow(MintmarkError)
  })

  it('createLocalSigner copies the key', async () => {
    const key = secretKey.slice()
    const s = createLocalSigner(key)
    const before = await signStatement(statement, s)
    key.fill(0)
    expect(await signStatement(statement, s)).toEqual(before)
  })
})

describe('base64url', () => {
  it('round-trips every length 0..70 and matches Node for the alphabet', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff)
      const text = bytesToBase64url(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64url'))
      expect(base64urlToBytes(text)).toEqual(bytes)
    }
  })
  it.each(['A', 'AB=', 'A+B/', 'AB C', 'AB\u00e9', 'AB', 'AAB'])('rejects %j where not canonical', (s) => {
    // 'AB' has nonzero unused bits ('AA' is the canonical spelling of [0]); 'AAB' likewise.
    expect(base64urlToBytes(s)).toBeUndefined()
  })
})
