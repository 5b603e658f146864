import { MintmarkError } from '../errors/base.js'
import { publicKeyFromDid } from '../keys/public-key-from-did.js'
import { base64urlToBytes } from './base64url.js'
import { statementSigningInput } from './statement-signing-input.js'
import type { VerifyStatementSignatureReturnType } from './types.js'
import { type Ed25519VerifyBackend, verifyEd25519 } from './verify-ed25519.js'

const fail = (
  code: 'SIGNATURE_INVALID' | 'SIGNATURE_MALFORMED' | 'DID_INVALID' | 'DID_UNSUPPORTED',
  detail: string,
): VerifyStatementSignatureReturnType => ({ ok: false, code, detail })

/**
 * Verifies a signed statement's Ed25519 signature over {@link statementSigningInput} against the
 * key its `kid` DID names, with {@link verifyEd25519}'s strict rules (S < ℓ, canonical points,
 * no small-order or torsioned keys). Never throws: a bad input is a failed result.
 *
 * @example
 * const result = verifyStatementSignature(signed)
 * if (!result.ok) console.log(result.code, result.detail)
 */
export function verifyStatementSignature(
  signed: { readonly statement: unknown; readonly signature: unknown },
  options: { backend?: Ed25519VerifyBackend | undefined } = {},
): VerifyStatementSignatureReturnType {
  try {
    if (signed === null || typeof signed !== 'object') return fail('SIGNATURE_MALFORMED', 'Not a signed statement object.')
    const signature = signed.signature as Record<string, unknown> | null
    if (signature === null || typeof signature !== 'object') return fail('SIGNATURE_MALFORMED', 'The signature is missing.')
    if (signature.alg !== 'Ed25519')
      return fail('SIGNATURE_MALFORMED', `Signature algorithm ${JSON.stringify(String(signature.alg).slice(0, 40))} is not supported.`)
    if (typeof signature.kid !== 'string') return fail('SIGNATURE_MALFORMED', 'The signature has no kid.')
    if (typeof signature.sig !== 'string') return fail('SIGNATURE_MALFORMED', 'The signature has no sig.')

    let publicKey: Uint8Array
    try {
      publicKey = publicKeyFromDid(signature.kid)
    } catch (e) {
      if (e instanceof MintmarkError && (e.code === 'DID_INVALID' || e.code === 'DID_UNSUPPORTED')) return fail(e.code, e.shortMessage)
      throw e
    }

    const sig = signature.sig.length === 86 ? base64urlToBytes(signature.sig) : undefined
    if (sig === undefined || sig.length !== 64)
      return fail('SIGNATURE_MALFORMED', 'The signature is not 64 bytes of base64url without padding.')

    let message: Uint8Array
    try {
      message = statementSigningInput(signed.statement)
    } catch (e) {
      if (e instanceof MintmarkError) return fail('SIGNATURE_MALFORMED', `The statement cannot be canonicalized: ${e.shortMessage}`)
      throw e
    }
    const result = verifyEd25519({ signature: sig, message, publicKey, backend: options.backend })
    if (result.ok) return result
    // A key that is not a usable Ed25519 point makes the DID itself invalid.
    return fail(result.code === 'KEY_INVALID' ? 'DID_INVALID' : result.code, result.code === 'KEY_INVALID' ? `did:key: ${result.detail}` : result.detail)
  } catch (e) {
    // Defensive: hostile getters or proxies must still yield a result, not a throw.
    return fail('SIGNATURE_MALFORMED', `The signed statement could not be read: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
  }
}
