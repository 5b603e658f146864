import { MintmarkError } from '../errors/base.js'
import { isDid } from '../keys/did.js'
import { bytesToBase64url } from './base64url.js'
import { statementSigningInput } from './statement-signing-input.js'
import type { SignedStatement, Signer } from './types.js'

export type SignStatementErrorType = MintmarkError<'JCS_INVALID' | 'SIGNATURE_MALFORMED' | 'DID_INVALID'>

/**
 * Signs a statement: Ed25519 over {@link statementSigningInput} (domain prefix + JCS bytes).
 * Throws `JCS_INVALID` when the statement is not I-JSON, and `SIGNATURE_MALFORMED` when the
 * signer returns something other than 64 bytes.
 *
 * @example
 * const signed = await signStatement(manifest, createLocalSigner(secretKey))
 * // { statement: manifest, signature: { alg: 'Ed25519', kid: 'did:key:z6Mk…', sig: '…' } }
 */
export async function signStatement<statement>(
  statement: statement,
  signer: Signer,
  /** `signingInput`: {@link statementSigningInput} of this statement, when the caller already computed it. */
  options: { signingInput?: Uint8Array | undefined } = {},
): Promise<SignedStatement<statement>> {
  if (signer.alg !== 'Ed25519')
    throw new MintmarkError('SIGNATURE_MALFORMED', `Signer algorithm ${JSON.stringify(signer.alg)} is not supported.`)
  if (!isDid(signer.did)) throw new MintmarkError('DID_INVALID', 'The signer has no valid DID.')
  const input = options.signingInput ?? statementSigningInput(statement)
  const sig = await signer.sign(input)
  if (!(sig instanceof Uint8Array) || sig.length !== 64)
    throw new MintmarkError('SIGNATURE_MALFORMED', 'The signer returned something other than a 64-byte Ed25519 signature.')
  return { statement, signature: { alg: 'Ed25519', kid: signer.did, sig: bytesToBase64url(sig) } }
}
