import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import type { Did, Ed25519VerifyBackend, Signer } from '@mintmark/core'

const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * An Ed25519 Signer backed by node:crypto (OpenSSL): the same signatures as the pure core signer
 * (Ed25519 is deterministic), several times faster, which bulk registration needs.
 */
export function createNodeEd25519Signer(secretKey: Uint8Array, did: Did): Signer {
  return nodeSignerFromKey(createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, secretKey]), format: 'der', type: 'pkcs8' }), did)
}

// The key object behind each node signer, for `signerKeyObject` (not a property of the signer:
// nothing that logs or serialises a signer can reach it).
const signerKeys = new WeakMap<Signer, KeyObject>()

/** A Signer over an Ed25519 private KeyObject (e.g. one handed to a worker thread). */
export function nodeSignerFromKey(key: KeyObject, did: Did): Signer {
  const signer: Signer = {
    alg: 'Ed25519',
    did,
    async sign(message: Uint8Array): Promise<Uint8Array> {
      return new Uint8Array(sign(null, message, key))
    },
  }
  signerKeys.set(signer, key)
  return signer
}

/**
 * The private KeyObject of a signer made by this module, or undefined for any other signer.
 * Register hands it to its worker thread in memory (a KeyObject is cloned between threads by
 * Node, never exported or written anywhere).
 */
export function signerKeyObject(signer: Signer): KeyObject | undefined {
  return signerKeys.get(signer)
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
