import { ed25519 } from '@noble/curves/ed25519.js'
import { MintmarkError } from '../errors/base.js'
import { noteKeyHash } from './ed25519-note-keys.js'
import { isValidNoteKeyName } from './note-text.js'
import type { NoteSigner } from './types.js'

/**
 * A note signer for an Ed25519 key: `secretKey` is the 32-byte RFC 8032 seed. The key hash is
 * derived from `name` and the public key as C2SP signed-note recommends. Throws KEY_INVALID.
 */
export function createEd25519NoteSigner(name: string, secretKey: Uint8Array): NoteSigner {
  if (!isValidNoteKeyName(name))
    throw new MintmarkError('KEY_INVALID', 'Invalid note key name: it must be non-empty, without spaces or "+".')
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)
    throw new MintmarkError('KEY_INVALID', 'An Ed25519 secret key (seed) must be 32 bytes.')
  const seed = secretKey.slice()
  const publicKey = ed25519.getPublicKey(seed)
  const typedKey = new Uint8Array(33)
  typedKey[0] = 0x01
  typedKey.set(publicKey, 1)
  return {
    name,
    keyHash: noteKeyHash(name, typedKey),
    sign: (message) => ed25519.sign(message, seed),
  }
}
