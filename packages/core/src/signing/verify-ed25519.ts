import { ed25519 } from '@noble/curves/ed25519.js'

/** The order of the Ed25519 prime-order subgroup, ℓ = 2^252 + 27742317777372353535851937790883648493. */
export const ed25519GroupOrder = 2n ** 252n + 27742317777372353535851937790883648493n

/**
 * The final curve check, over inputs that already passed the strict checks below. Pluggable so
 * that Node can use OpenSSL (node:crypto), many times faster than pure JS; the default is noble.
 * Any backend must be a cofactorless RFC 8032 verifier comparing the encoded R.
 */
export type Ed25519VerifyBackend = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean

/**
 * Pure-JS backend. noble checks the cofactored equation; with A torsion-free (checked before) and R
 * required torsion-free here, that is equivalent to the cofactorless check OpenSSL does, so every
 * backend accepts exactly the same signatures.
 */
export const nobleEd25519Verify: Ed25519VerifyBackend = (signature, message, publicKey) => {
  const R = ed25519.Point.fromBytes(signature.subarray(0, 32), false)
  if (!R.isTorsionFree()) return false
  return ed25519.verify(signature, message, publicKey, { zip215: false })
}

export type VerifyEd25519Parameters = {
  signature: Uint8Array
  message: Uint8Array
  publicKey: Uint8Array
  backend?: Ed25519VerifyBackend | undefined
}

export type VerifyEd25519ReturnType =
  | { ok: true }
  | { ok: false; code: 'SIGNATURE_INVALID' | 'SIGNATURE_MALFORMED' | 'KEY_INVALID'; detail: string }

function readScalarLE(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number)
  return n
}

// Key validity (canonical, not small-order, torsion-free) is a pure function of the key and costs
// a full scalar multiplication; creators and logs reuse one key for many signatures, so remember it.
const validKeys = new Set<string>()
const maxRememberedKeys = 4096

function keyProblem(publicKey: Uint8Array): string | undefined {
  const hex = Array.from(publicKey, (b) => b.toString(16).padStart(2, '0')).join('')
  if (validKeys.has(hex)) return undefined
  let A: ReturnType<typeof ed25519.Point.fromBytes>
  try {
    A = ed25519.Point.fromBytes(publicKey, false)
  } catch {
    return 'The public key is not a canonical Ed25519 point encoding.'
  }
  if (A.isSmallOrder()) return 'The public key is a small-order point.'
  if (!A.isTorsionFree()) return 'The public key has a torsion component.'
  if (validKeys.size >= maxRememberedKeys) validKeys.clear()
  validKeys.add(hex)
  return undefined
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
export function verifyEd25519({ signature, message, publicKey, backend = nobleEd25519Verify }: VerifyEd25519Parameters): VerifyEd25519ReturnType {
  if (!(signature instanceof Uint8Array) || signature.length !== 64)
    return { ok: false, code: 'SIGNATURE_MALFORMED', detail: 'An Ed25519 signature is 64 bytes.' }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    return { ok: false, code: 'KEY_INVALID', detail: 'An Ed25519 public key is 32 bytes.' }
  if (!(message instanceof Uint8Array)) return { ok: false, code: 'SIGNATURE_MALFORMED', detail: 'The message is not bytes.' }
  if (readScalarLE(signature.subarray(32)) >= ed25519GroupOrder)
    return { ok: false, code: 'SIGNATURE_MALFORMED', detail: 'The signature scalar S is not reduced (S ≥ ℓ).' }
  const problem = keyProblem(publicKey)
  if (problem) return { ok: false, code: 'KEY_INVALID', detail: problem }
  let ok = false
  try {
    ok = backend(signature, message, publicKey)
  } catch {
    ok = false
  }
  return ok ? { ok: true } : { ok: false, code: 'SIGNATURE_INVALID', detail: 'The Ed25519 signature does not verify.' }
}
