import { createLocalSigner, nobleEd25519Verify, verifyEd25519 } from '@mintmark/core'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { createNodeEd25519Signer, nodeEd25519Verify } from './node-signer.js'

describe('node:crypto Ed25519', () => {
  it('signs exactly as the pure signer and verifies exactly as the pure backend', async () => {
    for (let i = 0; i < 40; i++) {
      const secret = ed25519.utils.randomSecretKey()
      const pure = createLocalSigner(secret)
      const node = createNodeEd25519Signer(secret, pure.did)
      const msg = new TextEncoder().encode(`message ${i}`)
      const sig = await node.sign(msg)
      expect(sig).toEqual(await pure.sign(msg))
      const pub = ed25519.getPublicKey(secret)
      const bad = sig.slice()
      bad[i % 64] = (bad[i % 64] as number) ^ (1 << (i % 8))
      for (const s of [sig, bad]) {
        const a = verifyEd25519({ signature: s, message: msg, publicKey: pub, backend: nodeEd25519Verify })
        const b = verifyEd25519({ signature: s, message: msg, publicKey: pub, backend: nobleEd25519Verify })
        expect(a).toEqual(b)
      }
      expect(verifyEd25519({ signature: sig, message: msg, publicKey: pub, backend: nodeEd25519Verify }).ok).toBe(true)
    }
  })

  it('both backends refuse a signature whose R carries a small-order component', () => {
    const secret = ed25519.utils.randomSecretKey()
    const pub = ed25519.getPublicKey(secret)
    const msg = new TextEncoder().encode('torsion')
    const sig = ed25519.sign(msg, secret)
    // R' = R + T with T of order 2 (the point (0, -1)): same S no longer matches anyway, and a
    // cofactored-only check could be fooled by a signer who recomputes S; both must refuse R'.
    const T = ed25519.Point.fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')
    const R = ed25519.Point.fromBytes(sig.subarray(0, 32)).add(T)
    const forged = new Uint8Array(64)
    forged.set(R.toBytes(), 0)
    forged.set(sig.subarray(32), 32)
    expect(nobleEd25519Verify(forged, msg, pub)).toBe(false)
    expect(nodeEd25519Verify(forged, msg, pub)).toBe(false)
  })
})
