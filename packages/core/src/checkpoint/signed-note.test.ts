// C2SP signed-note and the Ed25519 note keys, checked against the published examples of
// golang.org/x/mod/sumdb/note (note.go docs and note_test.go) and real sum.golang.org checkpoints.
import { describe, expect, test } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import {
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  encodeEd25519SignerKey,
  encodeEd25519VerifierKey,
  isValidNoteKeyName,
  type NoteVerifier,
  noteKeyHash,
  openNote,
  parseEd25519SignerKey,
  parseEd25519VerifierKey,
  signNote,
} from './index.js'

// Published in golang.org/x/mod/sumdb/note (package docs and note_test.go).
const peterSignerKey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
const peterVerifierKey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const enochVerifierKey = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'
const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
const peterSig = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'
const enochSig = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n'
const peterNote = `${text}\n${peterSig}`

// The key of sum.golang.org and signed tree heads it served (quoted in public write-ups).
const sumdbKey = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'
const sumdbNotes = [
  'go.sum database tree\n63512409\nF7eHRPqN/cqPtqti14NKdGGaI1Giw8coWP3KxihFZbg=\n\n— sum.golang.org Az3gri1OBHKT87Xj8UXU8zjoHGy/X+7Nl94f8TZkELVaasolmGApUsWqwVG9vE6hgqYb/ph/w2vdkLIVRH7bMB/FPQ4=\n',
  'go.sum database tree\n15368405\n/g9am3I6YWNKaZX/jkne1fqd9zEyjss+JXyPXG0WfkY=\n\n— sum.golang.org Az3grqJGUaSGukG9p8nI2vKgiFn7qGHxn0W+mrwyI6Gz3F0t1J3LzmWk/p96Ybf295EjwdSwlzgijq5WA9d1Ded7owM=\n',
  'go.sum database tree\n445646\njEFFy4AtYgBBNTSZTiNnQrgQqMbcH0mfO2oP2FxR9VU=\n\n— sum.golang.org Az3grkGho/PqvUmEuTv6+r2g303hUhu60FOD6vLpm19mBwH9UjquWY2OKxNmZ55z0gHrp24AgPC3Q5WO7uZrVdvdCQU=\n',
]

const peter = () => createEd25519NoteVerifier(peterVerifierKey)
const enoch = () => createEd25519NoteVerifier(enochVerifierKey)

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (e instanceof MintmarkError) return e.code
    throw e
  }
  return 'accepted'
}
const utf8 = (s: string) => new TextEncoder().encode(s)
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

describe('Ed25519 note keys (golang.org/x/mod/sumdb/note)', () => {
  test('the published PeterNeumann keys parse, and re-encode byte for byte', () => {
    const s = parseEd25519SignerKey(peterSignerKey)
    expect(s.name).toBe('PeterNeumann')
    expect(s.keyHash).toBe(0xc74f20a3)
    const v = parseEd25519VerifierKey(peterVerifierKey)
    expect(v.keyHash).toBe(0xc74f20a3)
    expect(v.publicKey).toEqual(s.publicKey)
    expect(encodeEd25519SignerKey(s.name, s.secretKey)).toBe(peterSignerKey)
    expect(encodeEd25519VerifierKey(v.name, v.publicKey)).toBe(peterVerifierKey)
    expect(noteKeyHash('PeterNeumann', new Uint8Array([1, ...v.publicKey]))).toBe(0xc74f20a3)
    expect(createEd25519NoteSigner(s.name, s.secretKey).keyHash).toBe(0xc74f20a3)
    expect(parseEd25519VerifierKey(enochVerifierKey).keyHash).toBe(0xaf0cfe78)
    expect(parseEd25519VerifierKey(sumdbKey).keyHash).toBe(0x033de0ae)
  })

  test('every substring and every single-character increment of the verifier key is rejected (as note_test.go)', () => {
    let tried = 0
    for (let i = 0; i <= peterVerifierKey.length; i++)
      for (let j = i + 1; j <= peterVerifierKey.length; j++) {
        if (i === 0 && j === peterVerifierKey.length) continue
        tried++
        expect(code(() => createEd25519NoteVerifier(peterVerifierKey.slice(i, j)))).toBe('KEY_INVALID')
      }
    for (let i = 0; i < peterVerifierKey.length; i++) {
      const mangled = peterVerifierKey.slice(0, i) + String.fromCharCode(peterVerifierKey.charCodeAt(i) + 1) + peterVerifierKey.slice(i + 1)
      tried++
      expect(code(() => createEd25519NoteVerifier(mangled))).toBe('KEY_INVALID')
    }
    // Wrong key length with an adjusted key hash, and an unknown algorithm with an adjusted hash.
    expect(code(() => createEd25519NoteVerifier('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='))).toBe('KEY_INVALID')
    expect(code(() => createEd25519NoteVerifier('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).toBe('KEY_INVALID')
    expect(tried).toBeGreaterThan(2000)
  })

  test('every substring and every single-character increment of the signer key is rejected', () => {
    for (let i = 0; i <= peterSignerKey.length; i++)
      for (let j = i + 1; j <= peterSignerKey.length; j++) {
        if (i === 0 && j === peterSignerKey.length) continue
        expect(code(() => parseEd25519SignerKey(peterSignerKey.slice(i, j)))).toBe('KEY_INVALID')
      }
    for (let i = 0; i < peterSignerKey.length; i++) {
      const mangled = peterSignerKey.slice(0, i) + String.fromCharCode(peterSignerKey.charCodeAt(i) + 1) + peterSignerKey.slice(i + 1)
      expect(code(() => parseEd25519SignerKey(mangled))).toBe('KEY_INVALID')
    }
  })

  test('small-order and off-curve public keys are refused', () => {
    const identity = new Uint8Array(32)
    identity[0] = 1 // the neutral point: every signature "verifies" under some lax verifiers
    expect(code(() => encodeEd25519VerifierKey('x', identity))).toBe('KEY_INVALID')
    expect(code(() => encodeEd25519VerifierKey('x', new Uint8Array(32).fill(0xff)))).toBe('KEY_INVALID')
    expect(code(() => encodeEd25519VerifierKey('x', new Uint8Array(31)))).toBe('KEY_INVALID')
  })

  test('key names: non-empty, no Unicode spaces, no plus', () => {
    for (const ok of ['PeterNeumann', 'example.com/log42', 'ünïcode', '—dash']) expect(isValidNoteKeyName(ok)).toBe(true)
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a\u2028b', 'a\ud800b', 'a\u0001b'])
      expect(isValidNoteKeyName(bad)).toBe(false)
    const seed = new Uint8Array(32).fill(7)
    expect(code(() => createEd25519NoteSigner('bad name', seed))).toBe('KEY_INVALID')
    expect(code(() => encodeEd25519SignerKey('a+b', seed))).toBe('KEY_INVALID')
    expect(code(() => createEd25519NoteSigner('ok', new Uint8Array(16)))).toBe('KEY_INVALID')
  })
})

describe('signNote', () => {
  test('reproduces the published PeterNeumann note byte for byte', async () => {
    const k = parseEd25519SignerKey(peterSignerKey)
    expect(await signNote(text, [createEd25519NoteSigner(k.name, k.secretKey)])).toBe(peterNote)
  })

  test('keeps existing signatures, replacing one by the same key (cosigning)', async () => {
    const k = parseEd25519SignerKey(peterSignerKey)
    const signer = createEd25519NoteSigner(k.name, k.secretKey)
    const opened = openNote(`${text}\n${peterSig}${enochSig}`, [peter()])
    const resigned = await signNote(text, [signer], { keep: [...opened.verified, ...opened.unverified] })
    expect(resigned).toBe(`${text}\n${enochSig}${peterSig}`)
    expect(openNote(resigned, [peter(), enoch()]).verified.map((s) => s.name)).toEqual(['EnochRoot', 'PeterNeumann'])
  })

  test('rejects bad text and bad signers', async () => {
    const k = parseEd25519SignerKey(peterSignerKey)
    const signer = createEd25519NoteSigner(k.name, k.secretKey)
    const codeOf = async (p: Promise<unknown>) => p.then(() => 'accepted', (e: MintmarkError) => e.code)
    expect(await codeOf(signNote('abc', [signer]))).toBe('CHECKPOINT_MALFORMED')
    expect(await codeOf(signNote('a\u0000b\n', [signer]))).toBe('CHECKPOINT_MALFORMED')
    expect(await codeOf(signNote('a\rb\n', [signer]))).toBe('CHECKPOINT_MALFORMED')
    expect(await codeOf(signNote('lone \ud800\n', [signer]))).toBe('CHECKPOINT_MALFORMED')
    expect(await codeOf(signNote(text, []))).toBe('USAGE_INVALID')
    expect(await codeOf(signNote(text, [signer, signer]))).toBe('KEY_INVALID')
    expect(await codeOf(signNote(text, [{ ...signer, name: 'bad name' }]))).toBe('KEY_INVALID')
    expect(await codeOf(signNote(text, [{ ...signer, keyHash: 2 ** 32 }]))).toBe('KEY_INVALID')
    expect(await codeOf(signNote(text, [{ ...signer, sign: () => new Uint8Array() }]))).toBe('SIGNATURE_MALFORMED')
    // Async signers (KMS, HSM) work the same.
    expect(await signNote(text, [{ ...signer, sign: async (m) => signer.sign(m) }])).toBe(peterNote)
  })
})

describe('openNote', () => {
  test('the published note opens with its verifier key', () => {
    const n = openNote(peterNote, [peter()])
    expect(n.text).toBe(text)
    expect(n.verified.map((s) => [s.name, s.keyHash])).toEqual([['PeterNeumann', 0xc74f20a3]])
    expect(n.unverified).toEqual([])
    expect(openNote(utf8(peterNote), [peter()]).text).toBe(text)
  })

  test('real sum.golang.org signed tree heads verify with its published key', () => {
    for (const note of sumdbNotes) {
      const n = openNote(note, [createEd25519NoteVerifier(sumdbKey)])
      expect(n.verified.map((s) => s.name)).toEqual(['sum.golang.org'])
      expect(n.text.startsWith('go.sum database tree\n')).toBe(true)
    }
  })

  test('one key verified, one unknown (note_test.go TestOpen)', () => {
    const n = openNote(`${text}\n${peterSig}${enochSig}`, [peter()])
    expect(n.verified.map((s) => s.name)).toEqual(['PeterNeumann'])
    expect(n.unverified.map((s) => [s.name, s.keyHash])).toEqual([['EnochRoot', 0xaf0cfe78]])
    const both = openNote(`${text}\n${peterSig}${enochSig}`, [peter(), enoch()])
    expect(both.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot'])
    expect(both.unverified).toEqual([])
  })

  test('no known key: CHECKPOINT_UNVERIFIED', () => {
    expect(code(() => openNote(`${text}\n${peterSig}${enochSig}`, []))).toBe('CHECKPOINT_UNVERIFIED')
    // A known name with another key ID, or another name with a known key ID, is not that key.
    const misnamed = peterSig.replace('PeterNeumann', 'CarmenSandiego')
    expect(code(() => openNote(`${text}\n${misnamed}`, [peter()]))).toBe('CHECKPOINT_UNVERIFIED')
    const otherId = peterSig.replace('x08g', 'xxxx')
    expect(code(() => openNote(`${text}\n${otherId}`, [peter()]))).toBe('CHECKPOINT_UNVERIFIED')
  })

  test('duplicate verifiers are an error only when the note uses that key', () => {
    expect(code(() => openNote(`${text}\n${enochSig}`, [enoch(), peter(), enoch()]))).toBe('KEY_INVALID')
    expect(openNote(`${text}\n${peterSig}`, [enoch(), peter(), enoch()]).verified).toHaveLength(1)
  })

  test('signature count is capped at 100; repeated signatures collapse', () => {
    expect(code(() => openNote(`${text}\n${peterSig.repeat(101)}`, [peter()]))).toBe('CHECKPOINT_MALFORMED')
    expect(code(() => openNote(`${text}\n${peterSig.repeat(101)}`, []))).toBe('CHECKPOINT_MALFORMED')
    expect(openNote(`${text}\n${peterSig.repeat(100)}`, [peter()]).verified).toHaveLength(1)
    const enochABCD = `${enochSig.slice(0, 60)}ABCD${enochSig.slice(60)}`
    const n = openNote(`${text}\n${peterSig}${peterSig}${enochSig}${enochSig}${enochABCD}`, [peter()])
    expect(n.verified).toHaveLength(1)
    expect(n.unverified).toHaveLength(2)
  })

  test('a bad signature from a known key rejects the whole note', () => {
    const bad = `${peterSig.slice(0, 60)}ABCD${peterSig.slice(60)}`
    expect(code(() => openNote(`${text}\n${bad}`, [peter()]))).toBe('CHECKPOINT_SIGNATURE_INVALID')
    // Six bytes: Peter's key ID and a two-byte "signature".
    expect(code(() => openNote(`${text}\n— PeterNeumann x08go/ZJ\n`, [peter()]))).toBe('CHECKPOINT_SIGNATURE_INVALID')
    // Even after a good one by the same key.
    expect(code(() => openNote(`${text}\n${peterSig}${bad}`, [peter()]))).toBe('CHECKPOINT_SIGNATURE_INVALID')
    // A verifier that throws counts as a failed signature.
    const throwing: NoteVerifier = { ...peter(), verify: () => { throw new Error('hsm down') } }
    expect(code(() => openNote(peterNote, [throwing]))).toBe('CHECKPOINT_SIGNATURE_INVALID')
  })

  test('a flipped bit in the text, key ID or signature is rejected (one bit per byte, rotating)', () => {
    const bytes = utf8(peterNote)
    const textLen = utf8(text).length
    const sigStart = utf8(`${text}\n— PeterNeumann `).length
    const sigBytes = Uint8Array.from(Buffer.from(peterSig.slice('— PeterNeumann '.length, -1), 'base64'))
    let probes = 0
    // Text: any flip gives a bad signature or, when it makes a control character, invalid UTF-8
    // or moves the blank line, a malformed note; never an accepted one.
    for (let i = 0; i < textLen; i++) {
      const bit = i % 8
      {
        const m = bytes.slice()
        m[i] = (m[i] as number) ^ (1 << bit)
        probes++
        expect(['CHECKPOINT_SIGNATURE_INVALID', 'CHECKPOINT_MALFORMED', 'CHECKPOINT_UNVERIFIED']).toContain(code(() => openNote(m, [peter()])))
      }
    }
    // Key ID and signature bytes, re-encoded as canonical base64.
    for (let i = 0; i < sigBytes.length; i++) {
      const bit = (i * 3) % 8
      {
        const s = sigBytes.slice()
        s[i] = (s[i] as number) ^ (1 << bit)
        const note = `${text}\n— PeterNeumann ${b64(s)}\n`
        probes++
        expect(code(() => openNote(note, [peter()]))).toBe(i < 4 ? 'CHECKPOINT_UNVERIFIED' : 'CHECKPOINT_SIGNATURE_INVALID')
      }
    }
    expect(probes).toBe(textLen + 68)
    expect(sigStart).toBeGreaterThan(textLen)
  })

  test('malformed notes (note_test.go badMsgs and more)', () => {
    const bad: Array<string | Uint8Array> = [
      text,
      `${text}\n`,
      `${text}\n${peterSig.slice(0, -1)}`,
      `\u0001${text}\n${peterSig}`,
      new Uint8Array([0xff, ...utf8(`${text}\n${peterSig}`)]),
      `${text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${text}\n${peterSig}Unexpected line.\n`,
      `${text}\n${peterSig}\n`, // blank line after the signatures
      `${text}\n${peterSig.replace('— ', '-- ')}`, // not an em dash
      `${text}\n${peterSig.replace('— ', '—')}`, // no space after the dash
      `${text}\n${peterSig.replace('— ', '—  ')}`, // empty name
      `${text}\n— PeterNeumann\n`, // no signature
      `${text}\n— PeterNeumann \n`,
      `${text}\n— PeterNeumann x08go/ZJ=\n`, // not canonical base64
      `${text}\n— PeterNeumann x08go/Z\n`, // length not a multiple of 4
      `${text}\n— PeterNeumann eDA4Zw==\n`, // 4 bytes: a key ID and no signature
      `${text}\n— PeterNeumann  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${text}\n${peterSig.slice(0, -1)} \n`, // trailing space
      `${text.replace('\n', '\r\n')}\n${peterSig}`, // CR
      `${text}\t\n${peterSig}`, // tab
      `lone \ud800 surrogate\n\n${peterSig}`,
      `${text}\n${peterSig.replace('\n', '\r\n')}`,
      '',
      '\n\n',
      new Uint8Array([0xc0, 0x80, 0x0a, 0x0a]), // overlong NUL
      new Uint8Array([0xed, 0xa0, 0x80, 0x0a, 0x0a]), // UTF-8 encoded surrogate
    ]
    for (const note of bad) expect(code(() => openNote(note, [peter()]))).toBe('CHECKPOINT_MALFORMED')
    expect(code(() => openNote('x'.repeat(1 << 21), [peter()]))).toBe('CHECKPOINT_MALFORMED')
    expect(code(() => openNote(42 as never, [peter()]))).toBe('CHECKPOINT_MALFORMED')
  })

  test('blank lines inside the text are allowed: the last blank line separates', async () => {
    const seed = new Uint8Array(32).fill(9)
    const signer = createEd25519NoteSigner('example.com/log', seed)
    const verifier = createEd25519NoteVerifier(encodeEd25519VerifierKey('example.com/log', parseEd25519SignerKey(encodeEd25519SignerKey('example.com/log', seed)).publicKey))
    for (const t of ['a\n\nb\n', 'a\n\n', '\n', 'x\n\n\n']) {
      const note = await signNote(t, [signer])
      expect(openNote(note, [verifier]).text).toBe(t)
    }
  })

  test('the verifier is strict RFC 8032: a signature with S + L is refused', () => {
    // S is little-endian in bytes 32..63; adding the group order L gives the same point equation,
    // which ZIP-215-style verifiers accept and RFC 8032 forbids.
    const sig = Uint8Array.from(Buffer.from(peterSig.slice('— PeterNeumann '.length, -1), 'base64'))
    const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]
    const s = sig.slice()
    let carry = 0
    for (let i = 0; i < 32; i++) {
      const v = (s[4 + 32 + i] as number) + (L[i] as number) + carry
      s[4 + 32 + i] = v & 0xff
      carry = v >> 8
    }
    expect(carry).toBe(0)
    expect(code(() => openNote(`${text}\n— PeterNeumann ${b64(s)}\n`, [peter()]))).toBe('CHECKPOINT_SIGNATURE_INVALID')
  })
})
