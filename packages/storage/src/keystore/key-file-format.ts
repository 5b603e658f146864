import { createPrivateKey, createPublicKey } from 'node:crypto'
import { type Did, didKeyFromPublicKey, MintmarkError } from '@mintmark/core'

/** What a key file holds once read: the 32-byte Ed25519 seed and the did:key it names. */
export type KeyFileContents = { secretKey: Uint8Array; did: Did }

export type PlainKeyFile = { v: 1; type: 'ed25519'; did: string; secret: string }

export type EncryptedKeyFile = {
  v: 1
  type: 'ed25519'
  did: string
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string }
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string }
  ciphertext: string
}

/**
 * scrypt N = 2^15, r = 8, p = 1: 128·N·r = 32 MiB of memory and roughly 100 ms per unlock on a
 * current laptop core, i.e. what every passphrase guess costs an attacker (the 2017 RFC 7914 /
 * OWASP interactive-login level). The parameters are stored in the file so they can be raised.
 */
export const defaultScryptParams = { N: 2 ** 15, r: 8, p: 1 } as const

/** Reading refuses KDF costs above this memory, so a hostile key file cannot exhaust the host. */
export const maxScryptMemory = 256 * 1024 * 1024

/** A key file is a few hundred bytes; anything far larger is not one. */
export const maxKeyFileSize = 64 * 1024

// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): SEQUENCE, version 0, id-Ed25519, OCTET STRING(OCTET STRING(32)).
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex')

/** The did:key of a 32-byte Ed25519 seed, computed with node:crypto. */
export function didOfSecretKey(secretKey: Uint8Array): Did {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)
    throw new MintmarkError('KEY_INVALID', 'An Ed25519 secret key is 32 bytes.')
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, secretKey]), format: 'der', type: 'pkcs8' })
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
  return didKeyFromPublicKey(new Uint8Array(Buffer.from(jwk.x as string, 'base64url')))
}

/** Strict base64 (RFC 4648 §4, padded): `undefined` unless `text` is the one canonical spelling. */
export function decodeBase64Strict(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : undefined
}

/** Only the file's base name goes into messages: full key paths stay out of logs. */
export function shownName(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))
  return JSON.stringify(file.slice(i + 1))
}
