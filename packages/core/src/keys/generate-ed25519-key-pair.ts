import { ed25519 } from '@noble/curves/ed25519.js'
import type { Did } from './did.js'
import { didKeyFromPublicKey } from './did-key-from-public-key.js'

export type Ed25519KeyPair = {
  /** The 32-byte RFC 8032 private key (seed). Keep it secret. */
  secretKey: Uint8Array
  /** The 32-byte encoded public key. */
  publicKey: Uint8Array
  /** The `did:key` naming the public key. */
  did: Did
}

/**
 * Generates a fresh Ed25519 key pair from the platform CSPRNG (via @noble/curves) and names it
 * with its `did:key`.
 *
 * @example
 * const { secretKey, did } = generateEd25519KeyPair()
 */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { secretKey, publicKey } = ed25519.keygen()
  return { secretKey, publicKey, did: didKeyFromPublicKey(publicKey) }
}
