import { ed25519 } from '@noble/curves/ed25519.js'

/** The order of the Ed25519 prime-order subgroup, ℓ = 2^252 + 27742317777372353535851937790883648493. */
export const ed25519GroupOrder = 2n ** 252n + 27742317777372353535851937790883648493n

export type VerifyEd25519Parameters = {
  signature: Uint8Array
  message: Uint8Array
  publicKey: Uint8Array
}

export type VerifyEd25519ReturnType =
  | { ok: true }
  | { ok: false; code: 'SIGNATURE_INVALID' | 'SIGNATURE_MALFORMED' | 'KEY_INVALID'; detail: string }

function readScalarLE(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number)
  return n
}

/**
 * Strict Ed25519 verification (RFC 8032 §5.1.7 / FIPS 186-5, non-ZIP-215): rejects wrong lengths,
 * S ≥ ℓ (malleable scalar), non-canonical encodings of R or A (y ≥ p), small-order public keys,
 * and public keys with a torsion component (honest keys are always torsion-free; rejecting the
 * rest means cofactored and cofactorless verifiers can never disagree about a key's signatures).
 * Never throws.
 *
 * @example
 * verifyEd25519({ signature, message, publicKey }) // { ok: true }
 */
export function verifyEd25519({ signature, message, publicKey }: VerifyEd25519Parameters): VerifyEd25519ReturnType {
  if (!(signature instanceof Uint8Array) || signature.length !== 64)
    return { ok: false, code: 'SIGNATURE_MALFORMED', detail: 'An Ed25519 signature is 64 bytes.' }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    return { ok: false, code: 'KEY_INVALID', detail: 'An Ed25519 public key is 32 bytes.' }
  if (!(message instanceof Uint8Array)) return { ok: false, code: 'SIGNATURE_MALFORMED', detail: 'The message is not bytes.' }
  if (readScalarLE(signature.subarray(32)) >= ed25519GroupOrder)
    return { ok: false, code: 'SIGNATURE_MALFORMED', detail: 'The signature scalar S is not reduced (S ≥ ℓ).' }
  let A: ReturnType<typeof ed25519.Point.fromBytes>
  try {
    A = ed25519.Point.fromBytes(publicKey, false)
  } catch {
    return { ok: false, code: 'KEY_INVALID', detail: 'The public key is not a canonical Ed25519 point encoding.' }
  }
  if (A.isSmallOrder()) return { ok: false, code: 'KEY_INVALID', detail: 'The public key is a small-order point.' }
  if (!A.isTorsionFree()) return { ok: false, code: 'KEY_INVALID', detail: 'The public key has a torsion component.' }
  let ok = false
  try {
    // zip215: false = canonical R and A, S < ℓ, A not small order; the equation is cofactored.
    ok = ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    ok = false
  }
  return ok ? { ok: true } : { ok: false, code: 'SIGNATURE_INVALID', detail: 'The Ed25519 signature does not verify.' }
}
