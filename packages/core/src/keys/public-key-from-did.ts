import { base58btc } from 'multiformats/bases/base58'
import { MintmarkError } from '../errors/base.js'
import { isDid } from './did.js'

export type PublicKeyFromDidErrorType = MintmarkError<'DID_INVALID' | 'DID_UNSUPPORTED'>

/** Readable names for the multicodec key types a did:key may carry, for error messages. */
const knownKeyCodecs: Record<number, string> = {
  0xe7: 'secp256k1-pub',
  0xec: 'x25519-pub',
  0x1200: 'p256-pub',
  0x1201: 'p384-pub',
  0x1205: 'rsa-pub',
  0xeb: 'bls12_381-g2-pub',
}

function readVarint(bytes: Uint8Array): { value: number; length: number } | undefined {
  let value = 0
  for (let i = 0; i < Math.min(bytes.length, 4); i++) {
    const b = bytes[i] as number
    value |= (b & 0x7f) << (7 * i)
    if ((b & 0x80) === 0) return { value, length: i + 1 }
  }
  return undefined
}

/**
 * The 32-byte Ed25519 public key a `did:key` names. Throws `DID_INVALID` when the string is not a
 * well-formed did:key, and `DID_UNSUPPORTED` for other DID methods (did:pkh, did:web…) or other
 * known key types (secp256k1, P-256…), until Mintmark supports them. It checks the encoding, not that the bytes are a
 * valid curve point: signature verification does that.
 *
 * @example
 * publicKeyFromDid('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK') // Uint8Array(32)
 */
export function publicKeyFromDid(did: string): Uint8Array {
  const shown = typeof did === 'string' ? JSON.stringify(did.slice(0, 120)) : typeof did
  if (!isDid(did)) throw new MintmarkError('DID_INVALID', 'Not a valid DID.', { details: shown })
  const method = did.slice(4, did.indexOf(':', 4))
  if (method !== 'key')
    throw new MintmarkError('DID_UNSUPPORTED', `DID method "${method}" is not supported yet.`, {
      details: shown,
      metaMessages: ['Supported: did:key with Ed25519 keys.'],
    })
  const id = did.slice('did:key:'.length)
  // did:key allows fragments/versions in other specs; ours is exactly one multibase value.
  if (!id.startsWith('z') || id.includes(':'))
    throw new MintmarkError('DID_INVALID', 'A did:key must hold one base58btc multibase value (z…).', { details: shown })
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(id)
  } catch (cause) {
    throw new MintmarkError('DID_INVALID', 'The did:key is not valid base58btc.', { cause, details: shown })
  }
  const codec = readVarint(bytes)
  if (codec === undefined) throw new MintmarkError('DID_INVALID', 'The did:key has no multicodec prefix.', { details: shown })
  if (codec.value !== 0xed) {
    const known = knownKeyCodecs[codec.value]
    // A real key type we do not handle yet is unsupported; anything else is not a did:key at all.
    if (known)
      throw new MintmarkError('DID_UNSUPPORTED', 'Only Ed25519 did:key identifiers are supported.', {
        details: `${shown}: multicodec 0x${codec.value.toString(16)} (${known})`,
      })
    throw new MintmarkError('DID_INVALID', 'The did:key multicodec is not a public key type.', {
      details: `${shown}: multicodec 0x${codec.value.toString(16)}`,
    })
  }
  // Non-minimal varints (e.g. 0xed 0x81 0x00) are another spelling of the same codec: refuse them.
  if (codec.length !== 2) throw new MintmarkError('DID_INVALID', 'The did:key multicodec prefix is not minimally encoded.', { details: shown })
  const key = bytes.subarray(2)
  if (key.length !== 32)
    throw new MintmarkError('DID_INVALID', 'An Ed25519 did:key holds a 32-byte key.', { details: `${shown}: ${key.length} bytes` })
  return key.slice()
}
