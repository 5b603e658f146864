import { createPrivateKey, createPublicKey } from 'node:crypto'

const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex')

/** The Ed25519 public key of a 32-byte seed (node:crypto). */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, secretKey]), format: 'der', type: 'pkcs8' })
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(spki.length - 32))
}
