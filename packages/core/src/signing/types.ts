import type { Did } from '../keys/did.js'

/**
 * The signing port (sigstore `Signer`, c2pa `CallbackSigner`): a local key, a KMS or an HSM all
 * fit behind one method. `sign` receives the exact bytes to sign (the domain-separated input).
 */
export type Signer = {
  alg: 'Ed25519'
  /** The DID whose key makes the signatures; goes into `signature.kid`. */
  did: Did
  sign(message: Uint8Array): Promise<Uint8Array>
}

/** A detached Ed25519 signature over a statement's signing input. */
export type StatementSignature = {
  alg: 'Ed25519'
  /** The signer's DID (`did:key:z6Mk…`). */
  kid: Did
  /** The 64-byte signature, base64url without padding (86 characters). */
  sig: string
}

/** A statement together with its signature. */
export type SignedStatement<statement = unknown> = {
  statement: statement
  signature: StatementSignature
}

export type VerifyStatementSignatureReturnType =
  | { ok: true }
  | { ok: false; code: 'SIGNATURE_INVALID' | 'SIGNATURE_MALFORMED' | 'DID_INVALID' | 'DID_UNSUPPORTED'; detail: string }
