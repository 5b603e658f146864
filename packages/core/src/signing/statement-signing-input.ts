import { canonicalize } from '../canonical/canonicalize.js'

/** Domain-separation prefix: a signature over a statement can never be replayed as another protocol's. */
export const statementSigningPrefix = 'mintmark/statement/v1\n'

const encoder = new TextEncoder()

/**
 * The exact bytes an Ed25519 statement signature covers: UTF-8 of `"mintmark/statement/v1\n"`
 * followed by the RFC 8785 canonical JSON of the statement. Throws `JCS_INVALID` when the
 * statement is not I-JSON.
 *
 * @example
 * new TextDecoder().decode(statementSigningInput({ b: 1, a: 2 })) // 'mintmark/statement/v1\n{"a":2,"b":1}'
 */
export function statementSigningInput(statement: unknown): Uint8Array {
  // canonicalize first so the error names the statement, then encode prefix + JCS in one pass.
  return encoder.encode(statementSigningPrefix + canonicalize(statement))
}
