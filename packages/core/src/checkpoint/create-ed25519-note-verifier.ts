import { type Ed25519VerifyBackend, verifyEd25519 } from '../signing/verify-ed25519.js'
import { parseEd25519VerifierKey } from './ed25519-note-keys.js'
import type { NoteVerifier } from './types.js'

/**
 * A note verifier from a verifier key string `name+hexhash+base64(0x01||pubkey)`. Signatures are
 * checked strictly with verifyEd25519 (RFC 8032: canonical encodings, s < L, torsion-free key; not the lax ZIP-215 rules). Throws
 * KEY_INVALID for a malformed key; `verify` itself never throws.
 */
export function createEd25519NoteVerifier(verifierKey: string, options: { backend?: Ed25519VerifyBackend | undefined } = {}): NoteVerifier {
  const { name, keyHash, publicKey } = parseEd25519VerifierKey(verifierKey)
  return {
    name,
    keyHash,
    verify(message, signature) {
      return verifyEd25519({ signature, message, publicKey, backend: options.backend }).ok
    },
  }
}
