import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import type { Did, Ed25519VerifyBackend, Signer } from '@mintmark/core'

const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * An Ed25519 Signer backed by node:crypto (OpenSSL): the same signatures as the pure core signer
 * (Ed25519 is deterministic), several times faster, which bulk registration needs.
 */
export function createNodeEd25519Signer(secretKey: Uint8Array, did: Did): Signer {
  const key = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, secretKey]), format: 'der', type: 'pkcs8' })
  return {
    alg: 'Ed25519',
    did,
    async sign(message: Uint8Array): Promise<Uint8Array> {
      return new Uint8Array(sign(null, message, key))
    },
  }
}

const spkiEd25519Prefix = Buffer.from('302a300506032b6570032100', 'hex')
const publicKeys = new Map<string, KeyObject>()

/**
 * The Ed25519 verification backend for Node: OpenSSL through node:crypto (cofactorless, compares
 * the encoded R), used after core's strict checks. Public key objects are kept per key.
 */
export const nodeEd25519Verify: Ed25519VerifyBackend = (signature, message, publicKey) => {
  const hex = Buffer.from(publicKey).toString('hex')
  let key = publicKeys.get(hex)
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([spkiEd25519Prefix, publicKey]), format: 'der', type: 'spki' })
    if (publicKeys.size > 4096) publicKeys.clear()
    publicKeys.set(hex, key)
  }
  return verify(null, message, key, signature)
}
