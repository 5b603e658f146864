import { generateEd25519KeyPair } from '@mintmark/core'
import { describe, expect, it } from 'vitest'
import { contentDigest, parseContentDigest, signRequest, signatureBase, verifyHttpSignature } from './http-signature.js'
import { parseDictionary, serializeInnerList } from './structured-fields.js'

const key = generateEd25519KeyPair()
const url = 'http://127.0.0.1:8080/v1/assets?x=1'
const body = new TextEncoder().encode('{"a":1}')
const now = 1_700_000_000

async function signed(extra: Partial<Parameters<typeof signRequest>[0]> = {}) {
  const h = await signRequest({ method: 'POST', url, body, secretKey: key.secretKey, did: key.did, created: now, nonce: 'nonce-123456', ...extra })
  return new Headers({ 'content-type': 'application/json', ...h })
}
const verify = (headers: Headers, over: Partial<Parameters<typeof verifyHttpSignature>[0]> = {}) =>
  verifyHttpSignature({ method: 'POST', url, headers, now, windowSeconds: 300, hasBody: true, ...over })

describe('RFC 9421 signatures', () => {
  it('round-trips and names the signer', async () => {
    const r = verify(await signed())
    expect(r).toMatchObject({ did: key.did, created: now, nonce: 'nonce-123456', components: ['@method', '@target-uri', 'content-digest'] })
  })
  it('builds the RFC 9421 signature base', async () => {
    const headers = await signed()
    const input = parseDictionary(headers.get('signature-input') as string).get('sig1') as never
    expect(signatureBase({ method: 'post', url, headers, components: ['@method', '@target-uri', '@path', '@query', 'content-digest'], signatureParams: input })).toBe(
      [
        '"@method": POST',
        `"@target-uri": ${url}`,
        '"@path": /v1/assets',
        '"@query": ?x=1',
        `"content-digest": ${contentDigest(body)}`,
        `"@signature-params": ("@method" "@target-uri" "content-digest");created=${now};keyid="${key.did}";alg="ed25519";nonce="nonce-123456"`,
      ].join('\n'),
    )
  })
  it('rejects tampering, other targets, missing components, skew and foreign keys', async () => {
    const h = await signed()
    expect(() => verify(h, { method: 'PUT' })).toThrow(expect.objectContaining({ code: 'HTTP_SIGNATURE_INVALID' }))
    expect(() => verify(h, { url: 'http://127.0.0.1:8080/v1/verify' })).toThrow(expect.objectContaining({ code: 'HTTP_SIGNATURE_INVALID' }))
    const changed = new Headers(h)
    changed.set('content-digest', contentDigest(new Uint8Array([1])))
    expect(() => verify(changed)).toThrow(expect.objectContaining({ code: 'HTTP_SIGNATURE_INVALID' }))
    expect(() => verify(h, { now: now + 301 })).toThrow(expect.objectContaining({ code: 'HTTP_SIGNATURE_EXPIRED' }))
    expect(() => verify(h, { now: now - 301 })).toThrow(expect.objectContaining({ code: 'HTTP_SIGNATURE_EXPIRED' }))
    const noBody = new Headers(await signRequest({ method: 'POST', url, secretKey: key.secretKey, did: key.did, created: now }))
    expect(() => verify(noBody)).toThrow(/content-digest/)
    const other = generateEd25519KeyPair()
    const forged = new Headers(await signRequest({ method: 'POST', url, body, secretKey: other.secretKey, did: key.did, created: now }))
    expect(() => verify(forged)).toThrow(expect.objectContaining({ code: 'HTTP_SIGNATURE_INVALID' }))
    const garbage = new Headers({ 'signature-input': 'sig1=("@method"', signature: 'sig1=:AAAA:' })
    expect(() => verify(garbage)).toThrow(expect.objectContaining({ code: 'HTTP_SIGNATURE_INVALID' }))
    const pkh = new Headers(h)
    pkh.set('signature-input', (h.get('signature-input') as string).replace(key.did, 'did:web:example.com'))
    expect(() => verify(pkh)).toThrow(/did:key/)
  })
  it('parses Content-Digest strictly', () => {
    expect(parseContentDigest(contentDigest(body))).toHaveLength(32)
    expect(() => parseContentDigest('sha-512=:AAAA:')).toThrow(expect.objectContaining({ code: 'CONTENT_DIGEST_MISMATCH' }))
    expect(() => parseContentDigest('sha-256=abc')).toThrow(expect.objectContaining({ code: 'CONTENT_DIGEST_MISMATCH' }))
  })
  it('structured fields: inner lists with parameters serialise back identically', () => {
    const text = '("@method" "@target-uri");created=1;keyid="did:key:z";alg="ed25519";nonce="n\\"q"'
    const d = parseDictionary(`sig1=${text}, sig2=:AAAA:`)
    expect(serializeInnerList(d.get('sig1') as never)).toBe(text)
    for (const bad of ['sig1=(', 'sig1="unterminated', 'sig1=:not base64!:', 'SIG=1', 'a=1,', 'a=?2']) expect(() => parseDictionary(bad)).toThrow()
  })
})
