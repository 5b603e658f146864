import { describe, expect, it } from 'vitest'
import { makeTestBundle } from '../testing/make-test-bundle.js'
import { assertVerified, deriveVerdict } from './report.js'
import { verifyBundle } from './verify-bundle.js'

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v))

describe('verifyBundle', () => {
  it('verifies a good bundle with the content and a pinned log key', async () => {
    const { bundle, cid, sha256 } = await makeTestBundle()
    const r = verifyBundle({ bundle, content: { cid, sha256 }, trustedLogKeys: [bundle.logKey] })
    expect(r.verdict).toBe('verified')
    expect(r.checks.map((c) => [c.code, c.status])).toEqual([
      ['BUNDLE_FORMAT', 'pass'],
      ['CONTENT_ADDRESS', 'pass'],
      ['STATEMENT_SCHEMA', 'pass'],
      ['STATEMENT_SIGNATURE', 'pass'],
      ['CHECKPOINT_SIGNATURE', 'pass'],
      ['LOG_INCLUSION', 'pass'],
      ['LOG_KEY_TRUSTED', 'pass'],
      ['CHAIN_ANCHOR', 'skip'],
    ])
    expect(() => assertVerified(r)).not.toThrow()
  })

  const cases: [string, (b: Awaited<ReturnType<typeof makeTestBundle>>['bundle']) => void, string, string][] = [
    ['an edited licence', (b) => void (b.entry.statement.rights.license = { spdx: 'CC0-1.0' }), 'STATEMENT_SIGNATURE', 'SIGNATURE_INVALID'],
    ['a flipped signature bit', (b) => void (b.entry.signature.sig = `${b.entry.signature.sig[0] === 'A' ? 'B' : 'A'}${b.entry.signature.sig.slice(1)}`), 'STATEMENT_SIGNATURE', 'SIGNATURE_INVALID'],
    ['a wrong log index', (b) => void (b.inclusion.logIndex = 2), 'LOG_INCLUSION', 'MERKLE_PROOF_INVALID'],
    ['a truncated proof', (b) => void b.inclusion.hashes.pop(), 'LOG_INCLUSION', 'MERKLE_PROOF_INVALID'],
    ['a proof element changed', (b) => void (b.inclusion.hashes[0] = '00'.repeat(32)), 'LOG_INCLUSION', 'MERKLE_PROOF_INVALID'],
    ['a tree size differing from the checkpoint', (b) => void (b.inclusion.treeSize = 8), 'LOG_INCLUSION', 'MERKLE_PROOF_INVALID'],
    ['a garbled log key', (b) => void (b.logKey = b.logKey.replace(/.{6}$/, 'AAAAAA')), 'CHECKPOINT_SIGNATURE', 'KEY_INVALID'],
    ['an edited checkpoint size', (b) => void (b.checkpoint = b.checkpoint.replace('\n7\n', '\n8\n')), 'CHECKPOINT_SIGNATURE', 'CHECKPOINT_SIGNATURE_INVALID'],
  ]
  for (const [name, mutate, check, error] of cases) {
    it(`fails ${name} with ${error}`, async () => {
      const { bundle, cid, sha256 } = await makeTestBundle()
      const bad = clone(bundle)
      mutate(bad)
      const r = verifyBundle({ bundle: bad, content: { cid, sha256 } })
      expect(r.verdict).toBe('failed')
      const failed = r.checks.find((c) => c.status === 'fail')
      expect([failed?.code, failed?.error]).toEqual([check, error])
      expect(() => assertVerified(r)).toThrowError(expect.objectContaining({ code: error }))
    })
  }

  it('fails content that is not the asset, and an untrusted log key', async () => {
    const { bundle, sha256 } = await makeTestBundle()
    const other = await makeTestBundle({ seed: 2 })
    const r1 = verifyBundle({ bundle, content: { cid: other.cid, sha256 } })
    expect(r1.checks.find((c) => c.code === 'CONTENT_ADDRESS')).toMatchObject({ status: 'fail', error: 'CONTENT_HASH_MISMATCH' })
    expect(r1.verdict).toBe('failed')
    const r2 = verifyBundle({ bundle, trustedLogKeys: [other.bundle.logKey] })
    expect(r2.checks.find((c) => c.code === 'LOG_KEY_TRUSTED')?.status).toBe('fail')
    expect(r2.verdict).toBe('failed')
    // A well-formed key of the same log name that did not sign this checkpoint.
    const r3 = verifyBundle({ bundle: { ...bundle, logKey: other.bundle.logKey } })
    expect(r3.checks.find((c) => c.code === 'CHECKPOINT_SIGNATURE')).toMatchObject({ status: 'fail', error: 'CHECKPOINT_UNVERIFIED' })
    expect(r3.verdict).toBe('failed')
  })

  it('reports a malformed bundle as a failed BUNDLE_FORMAT check, never a throw', () => {
    for (const junk of [null, 1, 'x', [], {}, { mediaType: 'application/vnd.mintmark.bundle.v1+json' }]) {
      const r = verifyBundle({ bundle: junk })
      expect(r.verdict).toBe('failed')
      expect(r.checks[0]).toMatchObject({ code: 'BUNDLE_FORMAT', status: 'fail' })
    }
    expect(verifyBundle({ bundle: { mediaType: 'application/vnd.mintmark.bundle.v9+json' } }).checks[0]?.error).toBe('BUNDLE_VERSION_UNSUPPORTED')
  })

  it('derives the verdict only from checks: one failure can never be verified', () => {
    const pass = (code: 'STATEMENT_SIGNATURE' | 'LOG_INCLUSION' | 'CHECKPOINT_SIGNATURE') => ({ code, status: 'pass' as const, detail: '' })
    const all = [pass('STATEMENT_SIGNATURE'), pass('LOG_INCLUSION'), pass('CHECKPOINT_SIGNATURE')]
    expect(deriveVerdict(all)).toBe('verified')
    expect(deriveVerdict([...all, { code: 'CHAIN_ANCHOR', status: 'fail', detail: '' }])).toBe('failed')
    expect(deriveVerdict(all.slice(1))).toBe('unknown')
  })
})
