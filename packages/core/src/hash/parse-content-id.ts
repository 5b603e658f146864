import * as dagPb from '@ipld/dag-pb'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { MintmarkError } from '../errors/base.js'
import type { ContentId } from './content-id.js'

/** `b` + base32 of (version, codec, sha2-256 multihash header, 32-byte digest) = 1 + 58 characters. */
export const contentIdLength = 59
const shape = /^b[a-z2-7]{58}$/

export type ParseContentIdErrorType = MintmarkError<'CID_INVALID'>

function invalid(reason: string, value: unknown, cause?: unknown): MintmarkError<'CID_INVALID'> {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : typeof value
  return new MintmarkError('CID_INVALID', `Invalid content ID: ${reason}.`, {
    cause,
    details: `Got ${shown}`,
    metaMessages: ['Expected a CIDv1 (sha2-256, raw or dag-pb codec) in lowercase base32, e.g. bafkrei… or bafybei….'],
  })
}

/**
 * Validates a content ID string: a CIDv1 with sha2-256 (32-byte digest) and the `raw` or `dag-pb`
 * codec, written in canonical lowercase base32 (`b…`). CIDv0 (`Qm…`), other bases, other hashes
 * or codecs, non-canonical encodings and anything over 59 characters are refused before decoding.
 * @throws MintmarkError `CID_INVALID`.
 */
export function parseContentId(value: unknown): ContentId {
  if (typeof value === 'string' && isCanonicalSha256CidV1(value)) return value as ContentId
  // Not the common shape: multiformats decodes it, and says what is wrong.
  if (typeof value !== 'string') throw invalid('not a string', value)
  if (value.length !== contentIdLength) throw invalid(`expected ${contentIdLength} characters, got ${value.length}`, value)
  if (!shape.test(value)) throw invalid('not a lowercase base32 CIDv1', value)
  let cid: CID
  try {
    cid = CID.parse(value, base32)
  } catch (cause) {
    throw invalid('undecodable CID', value, cause)
  }
  if (cid.version !== 1) throw invalid('not a CIDv1', value)
  if (cid.code !== raw.code && cid.code !== dagPb.code) throw invalid(`codec 0x${cid.code.toString(16)} is not raw or dag-pb`, value)
  if (cid.multihash.code !== 0x12 || cid.multihash.size !== 32 || cid.multihash.digest.length !== 32) {
    throw invalid('hash is not sha2-256', value)
  }
  // Reject non-zero padding bits and other spellings that decode to the same bytes.
  if (cid.toString(base32) !== value) throw invalid('not in canonical form', value)
  return value as ContentId
}

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
const base32Values = new Int8Array(128).fill(-1)
for (let i = 0; i < base32Alphabet.length; i++) base32Values[base32Alphabet.charCodeAt(i)] = i
const prefixBytes = 4

/**
 * True when `value` is `b` + the canonical lowercase base32 of 0x01 (CIDv1), 0x55 (raw) or 0x70
 * (dag-pb), 0x12 0x20 (sha2-256, 32 bytes) and a 32-byte digest: exactly the strings the
 * multiformats path below accepts. Decodes only the 4 header bytes (the digest may be anything) and
 * checks the 2 padding bits of the last character: ~50× cheaper than CID.parse plus a re-encode,
 * which register paid twice per asset on its main thread. A test compares it with multiformats.
 * @internal
 */
export function isCanonicalSha256CidV1(value: string): boolean {
  if (value.length !== contentIdLength || value.charCodeAt(0) !== 0x62 /* b */) return false
  let buffer = 0
  let bits = 0
  let header = 0
  let headerBytes = 0
  for (let i = 1; i < contentIdLength; i++) {
    const c = value.charCodeAt(i)
    const v = c < 128 ? (base32Values[c] as number) : -1
    if (v < 0) return false
    if (headerBytes < prefixBytes) {
      buffer = ((buffer << 5) | v) & 0xffff
      bits += 5
      if (bits >= 8) {
        bits -= 8
        header = (header << 8) | ((buffer >> bits) & 0xff)
        headerBytes++
      }
    }
  }
  // 58 characters carry 290 bits: 36 bytes and 2 padding bits, which must be zero.
  if ((base32Values[value.charCodeAt(contentIdLength - 1)] as number) & 0b11) return false
  return header === 0x01551220 || header === 0x01701220
}
