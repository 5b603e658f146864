import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { base58btc } from 'multiformats/bases/base58'
import { describe, expect, it } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import { isDid } from './did.js'
import { didKeyFromPublicKey } from './did-key-from-public-key.js'
import { generateEd25519KeyPair } from './generate-ed25519-key-pair.js'
import { publicKeyFromDid } from './public-key-from-did.js'

const raw58 = (s: string) => base58btc.baseDecode(s)

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof MintmarkError ? e.code : `not a MintmarkError: ${String(e)}`
  }
  return undefined
}

/**
 * Published did:key ↔ Ed25519 public key pairs (base58 public key, no multibase prefix):
 * - decentralized-identity/decentralized-web-node `history/packages/vendor-interoperability/src/mock-client/config.ts`
 *   (also gives the 64-byte seed‖public key, checked against noble's key derivation)
 * - openwallet-foundation/acapy `aries_cloudagent/did/tests/test_dids.py`
 * - w3c-ccg/did-key-test-suite `tests/mock.data.js` (valid DID; invalid key lengths)
 */
const published = [
  {
    did: 'did:key:z6MkwJSaEMnE4u6LiqrZV1BJHSkc9x8S4mTm3ArNL1m19BZR',
    publicKeyBase58: 'HrBXe7XnjMbscM1roSDTSMCcLNraetDQM9wSVjnzDxn3',
    privateKeyBase58: '3FFXDEFub6DPDX9CEZugQKAFikm1rfnNFwdycUGksAWhrs6BNca6USdttMcyx6oAdKmtnFBQijgisU58r26JfXJF',
  },
  { did: 'did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th', publicKeyBase58: '8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K' },
]

describe('did:key for Ed25519', () => {
  it.each(published)('$did ↔ published public key', ({ did, publicKeyBase58, privateKeyBase58 }) => {
    const pub = raw58(publicKeyBase58)
    expect(didKeyFromPublicKey(pub)).toBe(did)
    expect(bytesToHex(publicKeyFromDid(did))).toBe(bytesToHex(pub))
    if (privateKeyBase58) {
      const sk = raw58(privateKeyBase58)
      expect(bytesToHex(ed25519.getPublicKey(sk.subarray(0, 32)))).toBe(bytesToHex(pub))
    }
  })

  it('round-trips generated keys and starts with z6Mk', () => {
    for (let i = 0; i < 20; i++) {
      const { secretKey, publicKey, did } = generateEd25519KeyPair()
      expect(secretKey).toHaveLength(32)
      expect(did).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/)
      expect(bytesToHex(publicKeyFromDid(did))).toBe(bytesToHex(publicKey))
      expect(bytesToHex(ed25519.getPublicKey(secretKey))).toBe(bytesToHex(publicKey))
    }
  })

  it('w3c-ccg test suite: the valid did:key parses', () => {
    expect(publicKeyFromDid('did:key:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b')).toHaveLength(32)
  })

  it.each([
    ['w3c-ccg: key too small', 'did:key:zTjsVPtY', 'DID_INVALID'],
    ['w3c-ccg: key too large', 'did:key:z6MkA9MEcFWsoUVqj2zX6LACFaikLQ28i9WAsJnURDS3HLGKSkUbwUbiLH22ohgZ2BwgpQ6qC3VBTNV3pLhYDTVgR', 'DID_INVALID'],
    ['not a DID', 'key:z6Mk', 'DID_INVALID'],
    ['uppercase method', 'did:KEY:z6MkwJSaEMnE4u6LiqrZV1BJHSkc9x8S4mTm3ArNL1m19BZR', 'DID_INVALID'],
    ['base58 with 0', 'did:key:z6MkwJSaEMnE4u6LiqrZV1BJHSkc9x8S4mTm3ArNL1m19BZ0', 'DID_INVALID'],
    ['no multibase prefix', 'did:key:6MkwJSaEMnE4u6LiqrZV1BJHSkc9x8S4mTm3ArNL1m19BZR', 'DID_INVALID'],
    ['base64 multibase', 'did:key:m7QF', 'DID_INVALID'],
    ['fragment', 'did:key:z6MkwJSaEMnE4u6LiqrZV1BJHSkc9x8S4mTm3ArNL1m19BZR#z6Mk', 'DID_INVALID'],
    ['trailing colon', 'did:key:', 'DID_INVALID'],
    ['empty', '', 'DID_INVALID'],
    ['did:pkh', 'did:pkh:eip155:1:0xb9c5714089478a327f09197987f16f9e5d936e8a', 'DID_UNSUPPORTED'],
    ['did:web', 'did:web:example.com', 'DID_UNSUPPORTED'],
    ['did:key secp256k1', `did:key:${base58btc.encode(new Uint8Array([0xe7, 0x01, 2, ...new Uint8Array(32)]))}`, 'DID_UNSUPPORTED'],
    ['did:key P-256', `did:key:${base58btc.encode(new Uint8Array([0x80, 0x24, 2, ...new Uint8Array(32)]))}`, 'DID_UNSUPPORTED'],
    ['non-minimal varint', `did:key:${base58btc.encode(new Uint8Array([0xed, 0x81, 0x00, ...new Uint8Array(32)]))}`, 'DID_INVALID'],
    ['33-byte key', `did:key:${base58btc.encode(new Uint8Array([0xed, 0x01, ...new Uint8Array(33)]))}`, 'DID_INVALID'],
    ['huge', `did:key:z${'1'.repeat(5000)}`, 'DID_INVALID'],
  ])('%s → %s', (_, did, code) => {
    expect(codeOf(() => publicKeyFromDid(did))).toBe(code)
  })

  it('didKeyFromPublicKey rejects wrong lengths with KEY_INVALID', () => {
    expect(codeOf(() => didKeyFromPublicKey(new Uint8Array(31)))).toBe('KEY_INVALID')
    expect(codeOf(() => didKeyFromPublicKey('x' as never))).toBe('KEY_INVALID')
  })
})

describe('isDid', () => {
  it.each([
    'did:key:z6MkwJSaEMnE4u6LiqrZV1BJHSkc9x8S4mTm3ArNL1m19BZR',
    'did:web:example.com',
    'did:web:example.com%3A3000:user:alice',
    'did:pkh:eip155:1:0xb9c5714089478a327f09197987f16f9e5d936e8a',
    'did:example:123456789abcdefghi',
  ])('accepts %s', (s) => expect(isDid(s)).toBe(true))

  it.each(['', 'did:', 'did:key', 'did:key:', 'did:Key:x', 'did:key:a b', 'did:web:example.com:', 'did:web:%zz', 'DID:key:x', 42, null, `did:x:${'a'.repeat(3000)}`])(
    'rejects %j',
    (s) => expect(isDid(s)).toBe(false),
  )
})
