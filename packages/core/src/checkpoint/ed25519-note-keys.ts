import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { MintmarkError } from '../errors/base.js'
import { fromBase64, toBase64 } from './base64.js'
import { bytesToUint32, hex8, isValidNoteKeyName, utf8 } from './note-text.js'

/** Signature type byte of Ed25519 note keys (C2SP signed-note). */
export const ed25519NoteAlgorithm = 0x01

/**
 * The key ID of a note key: the first 4 bytes, big-endian, of SHA-256(name || 0x0A || type byte ||
 * public key). `typedKey` is the type byte followed by the key.
 */
export function noteKeyHash(name: string, typedKey: Uint8Array): number {
  const digest = sha256.create().update(utf8.encode(name)).update(new Uint8Array([0x0a])).update(typedKey).digest()
  return bytesToUint32(digest)
}

function ed25519KeyHash(name: string, publicKey: Uint8Array): number {
  return noteKeyHash(name, typed(publicKey))
}

function typed(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + key.length)
  out[0] = ed25519NoteAlgorithm
  out.set(key, 1)
  return out
}

function keyError(shortMessage: string, details?: string): MintmarkError {
  return new MintmarkError('KEY_INVALID', shortMessage, details ? { details } : {})
}

function assertName(name: string): void {
  if (!isValidNoteKeyName(name))
    throw keyError('Invalid note key name: it must be non-empty, without spaces or "+".', `name ${JSON.stringify(String(name).slice(0, 80))}`)
}

/** Checks that 32 bytes are a usable Ed25519 public key: a valid point, not of small order. */
function assertEd25519PublicKey(publicKey: Uint8Array): void {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw keyError('An Ed25519 public key must be 32 bytes.')
  let smallOrder: boolean
  try {
    smallOrder = ed25519.Point.fromBytes(publicKey, false).isSmallOrder()
  } catch (cause) {
    throw new MintmarkError('KEY_INVALID', 'The Ed25519 public key is not a valid curve point.', { cause })
  }
  if (smallOrder) throw keyError('The Ed25519 public key is a small-order point, which any signature could match.')
}

/** Splits `s` at the first `count` plus signs (base64 key data may itself contain '+'). */
function chop(s: string, count: number): string[] | undefined {
  const parts: string[] = []
  let rest = s
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+')
    if (at < 0) return undefined
    parts.push(rest.slice(0, at))
    rest = rest.slice(at + 1)
  }
  parts.push(rest)
  return parts
}

export type Ed25519VerifierKey = { name: string; keyHash: number; publicKey: Uint8Array }
export type Ed25519SignerKey = { name: string; keyHash: number; secretKey: Uint8Array; publicKey: Uint8Array }

/** The verifier key string `name+hexhash+base64(0x01 || publicKey)` (golang.org/x/mod/sumdb/note). */
export function encodeEd25519VerifierKey(name: string, publicKey: Uint8Array): string {
  assertName(name)
  assertEd25519PublicKey(publicKey)
  return `${name}+${hex8(ed25519KeyHash(name, publicKey))}+${toBase64(typed(publicKey))}`
}

/**
 * Parses a verifier key string. Throws KEY_INVALID for a malformed string, a key type other than
 * Ed25519 (0x01), a key that is not 32 bytes or not a usable point, or a key hash that does not
 * match the name and key.
 */
export function parseEd25519VerifierKey(verifierKey: string): Ed25519VerifierKey {
  const parts = typeof verifierKey === 'string' ? chop(verifierKey, 2) : undefined
  if (!parts) throw keyError('Malformed note verifier key: expected name+hash+keydata.')
  const [name, hash16, key64] = parts as [string, string, string]
  return parseKeyParts(name, hash16, key64, 'verifier', (key) => {
    assertEd25519PublicKey(key)
    return { name, keyHash: ed25519KeyHash(name, key), publicKey: key }
  })
}

/** The signer key string `PRIVATE+KEY+name+hexhash+base64(0x01 || seed)`; keep it secret. */
export function encodeEd25519SignerKey(name: string, secretKey: Uint8Array): string {
  assertName(name)
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw keyError('An Ed25519 secret key (seed) must be 32 bytes.')
  const publicKey = ed25519.getPublicKey(secretKey)
  return `PRIVATE+KEY+${name}+${hex8(ed25519KeyHash(name, publicKey))}+${toBase64(typed(secretKey))}`
}

/**
 * Parses a signer key string. The key hash is checked against the public key derived from the
 * seed. Throws KEY_INVALID for any malformed or inconsistent key.
 */
export function parseEd25519SignerKey(signerKey: string): Ed25519SignerKey {
  const parts = typeof signerKey === 'string' ? chop(signerKey, 4) : undefined
  if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY')
    throw keyError('Malformed note signer key: expected PRIVATE+KEY+name+hash+keydata.')
  const [, , name, hash16, key64] = parts as [string, string, string, string, string]
  return parseKeyParts(name, hash16, key64, 'signer', (seed) => {
    if (seed.length !== 32) throw keyError('An Ed25519 secret key (seed) must be 32 bytes.')
    const publicKey = ed25519.getPublicKey(seed)
    return { name, keyHash: ed25519KeyHash(name, publicKey), secretKey: seed, publicKey }
  })
}

function parseKeyParts<T extends { keyHash: number }>(
  name: string,
  hash16: string,
  key64: string,
  kind: string,
  build: (key: Uint8Array) => T,
): T {
  assertName(name)
  if (!/^[0-9a-f]{8}$/.test(hash16)) throw keyError(`Malformed note ${kind} key: the key hash must be 8 lowercase hex digits.`)
  const data = fromBase64(key64)
  if (!data || data.length === 0) throw keyError(`Malformed note ${kind} key: the key data is not canonical base64.`)
  if (data[0] !== ed25519NoteAlgorithm)
    throw keyError(`Unsupported note ${kind} key type 0x${(data[0] as number).toString(16).padStart(2, '0')}; only Ed25519 (0x01) is supported.`)
  const key = build(data.slice(1))
  if (key.keyHash !== Number.parseInt(hash16, 16))
    throw keyError(`The note ${kind} key hash does not match its name and key.`, `stated ${hash16}, computed ${hex8(key.keyHash)}`)
  return key
}
