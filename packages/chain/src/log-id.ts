import { MintmarkError } from '@mintmark/core'
import { type Hex, sha256, stringToBytes } from 'viem'

/**
 * The on-chain id of a log: SHA-256 over the UTF-8 bytes of the log's note verifier key
 * (`name+hash+keydata`), as `0x`-hex bytes32. The key, not just the origin name, is hashed, so a
 * log that changes keys gets a new id and an anchor always names the key its checkpoints verify
 * under (docs/adr/0006-chain-integration.md).
 *
 * @example
 * logIdFromVerifierKey('log.example+4f3d2a1b+AQ…') // '0x…' (32 bytes)
 */
export function logIdFromVerifierKey(verifierKey: string): Hex {
  if (typeof verifierKey !== 'string' || verifierKey.length === 0 || /\s/.test(verifierKey))
    throw new MintmarkError('INPUT_INVALID', 'A verifier key is a non-empty string without whitespace.', { fields: ['verifierKey'] })
  return sha256(stringToBytes(verifierKey))
}
