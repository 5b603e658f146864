import { base58btc } from 'multiformats/bases/base58'
import { MintmarkError } from '../errors/base.js'
import type { Did } from './did.js'

/** Multicodec `ed25519-pub` (0xed) as an unsigned varint: 0xed 0x01. */
export const ed25519PubMulticodec = new Uint8Array([0xed, 0x01])

/**
 * The `did:key` for an Ed25519 public key: `did:key:` + multibase base58btc (`z`) of the
 * multicodec `ed25519-pub` varint prefix followed by the 32 key bytes (did:key spec §3.1.1).
 *
 * @example
 * didKeyFromPublicKey(publicKey) // 'did:key:z6Mk…'
 */
export function didKeyFromPublicKey(publicKey: Uint8Array): Did {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    throw new MintmarkError('KEY_INVALID', 'An Ed25519 public key is 32 bytes.', {
      details: publicKey instanceof Uint8Array ? `got ${publicKey.length} bytes` : 'not a Uint8Array',
    })
  const bytes = new Uint8Array(34)
  bytes.set(ed25519PubMulticodec, 0)
  bytes.set(publicKey, 2)
  return `did:key:${base58btc.encode(bytes)}` as Did
}
