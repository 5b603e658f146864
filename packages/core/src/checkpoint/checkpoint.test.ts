// C2SP tlog-checkpoint bodies: the golden values of golang.org/x/mod/sumdb/tlog (note_test.go)
// and the example of c2sp.org/tlog-checkpoint, round trips, and every malformed form we know.
import { describe, expect, test } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import { leafHash } from '../merkle/index.js'
import {
  type Checkpoint,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  encodeEd25519VerifierKey,
  formatCheckpoint,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseEd25519SignerKey,
  encodeEd25519SignerKey,
  signCheckpoint,
  signNote,
} from './index.js'

const code = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    if (e instanceof MintmarkError) return e.code
    throw e
  }
  return 'accepted'
}
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

// tlog TestFormatTree / TestParseTree: size 123456789012, hash RecordHash("hello world").
const tlogGolden = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n'
// c2sp.org/tlog-checkpoint example.
const c2spExample = `example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
`

describe('formatCheckpoint / parseCheckpoint', () => {
  test('the golden tree of golang.org/x/mod/sumdb/tlog', () => {
    const c: Checkpoint = {
      origin: 'go.sum database tree',
      size: 123456789012,
      rootHash: leafHash(new TextEncoder().encode('hello world')),
      extensions: [],
    }
    expect(formatCheckpoint(c)).toBe(tlogGolden)
    expect(parseCheckpoint(tlogGolden)).toEqual(c)
  })

  test('the c2sp.org example: body parses, the signature line is read, its key is unknown', () => {
    const opened = code(() => openNote(c2spExample, []))
    expect(opened).toBe('CHECKPOINT_UNVERIFIED')
    const body = c2spExample.slice(0, c2spExample.indexOf('\n\n') + 1)
    const c = parseCheckpoint(body)
    expect(c.origin).toBe('example.com/behind-the-sofa')
    expect(c.size).toBe(20852163)
    expect(b64(c.rootHash)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=')
    expect(c.extensions).toEqual([])
    expect(formatCheckpoint(c)).toBe(body)
  })

  test('round trips, extensions included, sizes 0 to 2^53 - 1', () => {
    const root = leafHash(new Uint8Array([1]))
    for (const c of [
      { origin: 'example.com/log', size: 0, rootHash: root, extensions: [] },
      { origin: 'a', size: 1, rootHash: root, extensions: ['ext one', '— with unicode ✓'] },
      { origin: 'origin with spaces+plus', size: Number.MAX_SAFE_INTEGER, rootHash: root, extensions: [] },
    ]) {
      const body = formatCheckpoint(c)
      expect(parseCheckpoint(body)).toEqual(c)
      expect(formatCheckpoint(parseCheckpoint(body))).toBe(body)
    }
  })

  test('malformed bodies are CHECKPOINT_MALFORMED', () => {
    const r = 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0='
    const bad = [
      '',
      '\n',
      'origin\n',
      'origin\n1\n',
      `origin\n1\n${r}`, // no final newline
      `\n1\n${r}\n`, // empty origin
      `origin\n\n${r}\n`, // empty size
      `origin\n01\n${r}\n`, // leading zero
      `origin\n00\n${r}\n`,
      `origin\n-1\n${r}\n`,
      `origin\n+1\n${r}\n`,
      `origin\n1.0\n${r}\n`,
      `origin\n1e3\n${r}\n`,
      `origin\n 1\n${r}\n`,
      `origin\n1 \n${r}\n`,
      `origin\n0x10\n${r}\n`,
      'go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n', // tlog badTrees
      'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n',
      `origin\n9007199254740992\n${r}\n`, // 2^53: not exact in a JS number
      `origin\n١٢\n${r}\n`, // non-ASCII digits
      'origin\n1\n!!!!\n',
      `origin\n1\n${r.slice(0, -1)}\n`, // no padding
      `origin\n1\n${r.slice(0, -2)}1=\n`, // non-zero pad bits ("0" → "1" keeps the bytes)
      `origin\n1\n${b64(new Uint8Array(31))}\n`, // 31 bytes
      `origin\n1\n${b64(new Uint8Array(33))}\n`, // 33 bytes
      `origin\n1\n${r} \n`,
      `origin\n1\n${r}\n\n`, // blank extension line
      `origin\n1\n${r}\next\n\n`,
      `origin\n1\n${r}\n\next\n`,
      `origin\r\n1\r\n${r}\r\n`, // CRLF
      `ori\tgin\n1\n${r}\n`, // control character
      `ori\u0000gin\n1\n${r}\n`,
      `ori\ud800gin\n1\n${r}\n`, // lone surrogate (not UTF-8)
      `${'o'.repeat(20_000)}\n1\n${r}\n`, // too long
    ]
    for (const body of bad) expect(code(() => parseCheckpoint(body)), JSON.stringify(body.slice(0, 80))).toBe('CHECKPOINT_MALFORMED')
    expect(code(() => parseCheckpoint(42 as never))).toBe('CHECKPOINT_MALFORMED')
  })

  test('the error names the problem', () => {
    try {
      parseCheckpoint('origin\n01\nAAAA\n')
      expect.unreachable()
    } catch (e) {
      expect((e as MintmarkError).shortMessage).toMatch(/leading zeros/)
    }
  })

  test('formatCheckpoint refuses what could not be parsed back', () => {
    const rootHash = new Uint8Array(32)
    for (const c of [
      { origin: '', size: 1, rootHash, extensions: [] },
      { origin: 'a\nb', size: 1, rootHash, extensions: [] },
      { origin: 'a\tb', size: 1, rootHash, extensions: [] },
      { origin: 'a', size: -1, rootHash, extensions: [] },
      { origin: 'a', size: 1.5, rootHash, extensions: [] },
      { origin: 'a', size: 2 ** 53, rootHash, extensions: [] },
      { origin: 'a', size: 1, rootHash: new Uint8Array(31), extensions: [] },
      { origin: 'a', size: 1, rootHash, extensions: [''] },
      { origin: 'a', size: 1, rootHash, extensions: ['x\ny'] },
    ])
      expect(code(() => formatCheckpoint(c))).toBe('CHECKPOINT_MALFORMED')
  })
})

describe('signed checkpoints', () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i)
  const origin = 'mintmark.example/log'
  const logKey = parseEd25519SignerKey(encodeEd25519SignerKey(origin, seed))
  const signer = createEd25519NoteSigner(origin, seed)
  const verifier = createEd25519NoteVerifier(encodeEd25519VerifierKey(origin, logKey.publicKey))
  const checkpoint: Checkpoint = { origin, size: 1234, rootHash: leafHash(new Uint8Array([5])), extensions: [] }

  test('sign, open and parse round trip; the origin is checked when asked', async () => {
    const note = await signCheckpoint(checkpoint, [signer])
    const opened = openCheckpoint({ note, verifiers: [verifier], origin })
    expect(opened.checkpoint).toEqual(checkpoint)
    expect(opened.verified.map((s) => s.name)).toEqual([origin])
    expect(code(() => openCheckpoint({ note, verifiers: [verifier], origin: 'other.example/log' }))).toBe('CHECKPOINT_ORIGIN_MISMATCH')
  })

  test('a witness cosigns: both signatures verify, the log signature is kept unchanged', async () => {
    const note = await signCheckpoint(checkpoint, [signer])
    const witnessSeed = new Uint8Array(32).fill(0xab)
    const witness = createEd25519NoteSigner('witness.example/w1', witnessSeed)
    const witnessVerifier = createEd25519NoteVerifier(
      encodeEd25519VerifierKey('witness.example/w1', parseEd25519SignerKey(encodeEd25519SignerKey('witness.example/w1', witnessSeed)).publicKey),
    )
    const opened = openNote(note, [verifier])
    const cosigned = await signNote(opened.text, [witness], { keep: opened.verified })
    expect(cosigned.startsWith(note)).toBe(true)
    const both = openCheckpoint({ note: cosigned, verifiers: [verifier, witnessVerifier] })
    expect(both.verified.map((s) => s.name)).toEqual([origin, 'witness.example/w1'])
    // A client that knows only the log key ignores the witness signature.
    expect(openCheckpoint({ note: cosigned, verifiers: [verifier] }).unverified.map((s) => s.name)).toEqual(['witness.example/w1'])
  })

  test('a changed size or root hash breaks the signature', async () => {
    const note = await signCheckpoint(checkpoint, [signer])
    expect(code(() => openNote(note.replace('\n1234\n', '\n1235\n'), [verifier]))).toBe('CHECKPOINT_SIGNATURE_INVALID')
    const [o, s, r, ...rest] = note.split('\n')
    const flipped = Buffer.from(r as string, 'base64')
    flipped[31] = (flipped[31] as number) ^ 1
    expect(code(() => openNote([o, s, flipped.toString('base64'), ...rest].join('\n'), [verifier]))).toBe('CHECKPOINT_SIGNATURE_INVALID')
  })

  test('a signed note whose text is not a checkpoint is CHECKPOINT_MALFORMED', async () => {
    const note = await signNote('just one line\n', [signer])
    expect(code(() => openCheckpoint({ note, verifiers: [verifier] }))).toBe('CHECKPOINT_MALFORMED')
  })
})
