import { ed25519 } from '@noble/curves/ed25519.js'
import { parseEd25519VerifierKey } from './ed25519-note-keys.js'
import type { NoteVerifier } from './types.js'

/**
 * A note verifier from a verifier key string `name+hexhash+base64(0x01||pubkey)`. Signatures are
 * checked strictly (RFC 8032: canonical encodings, s < L; not the lax ZIP-215 rules). Throws
 * KEY_INVALID for a malformed key; `verify` itself never throws.
 */
export function createEd25519NoteVerifier(verifierKey: string): NoteVerifier {
  const { name, keyHash, publicKey } = parseEd25519VerifierKey(verifierKey)
  return {
    name,
    keyHash,
    verify(message, signature) {
      if (!(signature instanceof Uint8Array) || signature.length !== 64) return false
      try {
        return ed25519.verify(signature, message, publicKey, { zip215: false })
      } catch {
        return false
      }
    },
  }
}
