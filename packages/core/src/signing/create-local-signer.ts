import { ed25519 } from '@noble/curves/ed25519.js'
import { MintmarkError } from '../errors/base.js'
import { didKeyFromPublicKey } from '../keys/did-key-from-public-key.js'
import type { Signer } from './types.js'

/**
 * A {@link Signer} over an in-memory Ed25519 secret key (the 32-byte RFC 8032 seed). The key is
 * copied, so later changes to the caller's buffer do not affect the signer.
 *
 * @example
 * const signer = createLocalSigner(secretKey)
 * const signed = await signStatement(statement, signer)
 */
export function createLocalSigner(secretKey: Uint8Array): Signer {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)
    throw new MintmarkError('KEY_INVALID', 'An Ed25519 secret key is 32 bytes.', {
      details: secretKey instanceof Uint8Array ? `got ${secretKey.length} bytes` : 'not a Uint8Array',
    })
  const key = secretKey.slice()
  const did = didKeyFromPublicKey(ed25519.getPublicKey(key))
  return {
    alg: 'Ed25519',
    did,
    async sign(message: Uint8Array): Promise<Uint8Array> {
      return ed25519.sign(message, key)
    },
  }
}
