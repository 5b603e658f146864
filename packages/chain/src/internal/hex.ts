import { MintmarkError } from '@mintmark/core'
import { bytesToHex, type Hex } from 'viem'

/** 32 bytes as `0x`-hex, bare hex (the log's and bundles' form) or bytes. */
export type Bytes32Like = string | Uint8Array

/**
 * Normalises 32 bytes to lowercase `0x`-hex; throws INPUT_INVALID naming `field` otherwise.
 * @internal
 */
export function toBytes32(value: Bytes32Like, field: string): Hex {
  if (value instanceof Uint8Array) {
    if (value.length === 32) return bytesToHex(value)
  } else if (typeof value === 'string') {
    const hex = value.startsWith('0x') ? value.slice(2) : value
    if (/^[0-9a-fA-F]{64}$/.test(hex)) return `0x${hex.toLowerCase()}`
  }
  throw new MintmarkError('INPUT_INVALID', `${field} must be 32 bytes (0x-hex, hex or bytes).`, { fields: [field] })
}

/** @internal */
export function toSafeCount(value: number | bigint, field: string, { min = 0 } = {}): number {
  const n = typeof value === 'bigint' ? Number(value) : value
  if (!Number.isSafeInteger(n) || n < min || BigInt(n) !== BigInt(value))
    throw new MintmarkError('INPUT_INVALID', `${field} must be an integer ≥ ${min}.`, { fields: [field] })
  return n
}
