// Shared by the HTTP benchmarks (bench/server.mjs, bench/serve-postgres.mjs): one signed
// registration request as a creator's client sends it — a signed statement (the creator's key)
// in the body, the request itself signed with RFC 9421 — ready to replay with autocannon or
// http.request. Build them before a run: signing is not part of what is measured.
import { randomBytes } from 'node:crypto'

let counter = 0

/**
 * `url`: the server's base URL (the signature covers its authority); `creator`: an Ed25519 key
 * pair from `generateEd25519KeyPair()` (a new one per request gives every request its own rate
 * limit principal). Returns `{ method, path, body, headers }`.
 */
export async function signedRegistration(url, creator) {
  const { signRequest } = await import('@mintmark/server')
  const { createLocalSigner, createManifest, hashBytes, signStatement } = await import('@mintmark/core')
  const bytes = randomBytes(64)
  const h = hashBytes(bytes)
  const statement = createManifest({
    asset: { cid: h.cid, sha256: h.sha256, size: h.size, mediaType: 'image/png', title: `bench ${counter++}`, dimensions: { width: 1024, height: 1024 } },
    digitalSourceType: 'trainedAlgorithmicMedia',
    generation: { model: { name: 'bench-model', version: '1' } },
    rights: { owner: creator.did, license: { spdx: 'CC-BY-4.0' }, royalties: [{ payee: creator.did, bps: 10000 }] },
    creator: creator.did,
    createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  })
  const body = Buffer.from(JSON.stringify(await signStatement(statement, createLocalSigner(creator.secretKey))))
  const headers = await signRequest({ method: 'POST', url: `${url}/v1/assets`, body, secretKey: creator.secretKey, did: creator.did })
  return { method: 'POST', path: '/v1/assets', body, headers: { 'content-type': 'application/json', ...headers } }
}
