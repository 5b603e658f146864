import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { openApp, verifyFile } from '@mintmark/app'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, revokeApiKey, signRequest } from '../../apps/server/src/index.js'
import { type Keypair, type TestServer, b64urlJson, makeHome, newKeypair, rand, serve, signedPost, signedStatementFor } from '../../apps/server/test/helpers.js'

// The HTTP service as clients use it: a real server on 127.0.0.1, real SQLite files, real fetch.
let env: Awaited<ReturnType<typeof makeHome>>
let server: TestServer
let url: string
let operatorToken: string
let readOnlyToken: string
const alice: Keypair = newKeypair()

const json = async (r: Response) => ({ status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as Record<string, any> })

beforeAll(async () => {
  env = await makeHome()
  operatorToken = (await createApiKey({ home: env.home, principal: env.creator.did, scopes: ['assets:write'] })).token
  readOnlyToken = (await createApiKey({ home: env.home, principal: env.creator.did, scopes: ['verify'] })).token
  server = await serve(env.home)
  url = server.url
})
afterAll(async () => {
  await server?.close()
  await fsp.rm(env.work, { recursive: true, force: true })
})

const template = { digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' }, generation: { model: { name: 'fluxish', version: '1.0' } }, title: 'A red fox' }

describe('register', () => {
  it('registers a statement signed with RFC 9421 by its creator, then serves it', async () => {
    const signed = await signedStatementFor(alice, rand(1000), { asset: { title: 'alice one' } })
    const r = await json(await signedPost(`${url}/v1/assets`, alice, signed))
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ cid: signed.statement.asset.cid, creator: alice.did, created: true })
    const got = await json(await fetch(`${url}/v1/assets/${signed.statement.asset.cid}`))
    expect(got.status).toBe(200)
    expect(got.body.statement).toEqual(signed.statement)
    expect(got.body.contentStored).toBe(false)
    // the same statement again: the same entry, not a new one
    const again = await json(await signedPost(`${url}/v1/assets`, alice, signed))
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ logIndex: r.body.logIndex, created: false })
  })

  it('streams a raw upload and registers it with the operator key', async () => {
    const bytes = rand(300_000)
    const r = await json(
      await fetch(`${url}/v1/assets?filename=fox.bin`, {
        method: 'POST',
        body: bytes,
        headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/octet-stream', 'mintmark-template': b64urlJson(template) },
      }),
    )
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ creator: env.creator.did, size: 300_000, created: true })
    const content = await fetch(`${url}/v1/assets/${r.body.cid}/content`)
    expect(content.status).toBe(200)
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(bytes)
  })
})

const logSize = async () => ((await (await fetch(`${url}/healthz`)).json()) as { logSize: number }).logSize

describe('register: forms, auth and ownership', () => {
  it('registers a multipart upload, and a stored blob by CID', async () => {
    const form = new FormData()
    form.set('template', JSON.stringify({ ...template, title: 'multipart fox' }))
    form.set('file', new Blob([rand(5000)]), 'fox.bin')
    const r = await json(await fetch(`${url}/v1/assets`, { method: 'POST', body: form, headers: { authorization: `Bearer ${operatorToken}` } }))
    expect(r.status).toBe(201)
    // By CID: the blob is stored; the operator already registered it, so the record is returned (200).
    const byCid = await json(
      await fetch(`${url}/v1/assets`, {
        method: 'POST',
        body: JSON.stringify({ cid: r.body.cid, ...template }),
        headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      }),
    )
    expect(byCid.status).toBe(200)
    expect(byCid.body).toMatchObject({ cid: r.body.cid, logIndex: r.body.logIndex, created: false })
  })

  it('refuses writes without valid credentials, with the wrong scope, or on someone else’s behalf; nothing is logged', async () => {
    const before = await logSize()
    const signed = await signedStatementFor(alice, rand(64))
    const post = (headers: Record<string, string>, body: unknown = signed) =>
      fetch(`${url}/v1/assets`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }).then(json)
    expect((await post({})).body).toMatchObject({ status: 401, code: 'AUTH_REQUIRED' })
    expect((await post({ authorization: 'Bearer mm_nope' })).body.code).toBe('AUTH_INVALID')
    expect((await post({ authorization: `Bearer ${readOnlyToken}` })).body).toMatchObject({ status: 403, code: 'AUTH_FORBIDDEN' })
    const revoked = await createApiKey({ home: env.home, principal: env.creator.did, scopes: ['assets:write'] })
    await revokeApiKey({ home: env.home, id: revoked.id })
    expect((await post({ authorization: `Bearer ${revoked.token}` })).body.code).toBe('AUTH_INVALID')
    const expired = await createApiKey({ home: env.home, principal: env.creator.did, scopes: ['assets:write'], expiresAt: new Date(Date.now() - 1000) })
    expect((await post({ authorization: `Bearer ${expired.token}` })).body.code).toBe('AUTH_INVALID')
    // BOLA: the operator's key cannot log alice's statement; bob's signature cannot either.
    expect((await post({ authorization: `Bearer ${operatorToken}` })).body).toMatchObject({ status: 403, code: 'AUTH_FORBIDDEN' })
    const bob = newKeypair()
    expect((await json(await signedPost(`${url}/v1/assets`, bob, signed))).body).toMatchObject({ status: 403, code: 'AUTH_FORBIDDEN' })
    // alice may not have the server sign for her (raw upload).
    const body = rand(100)
    const sig = await signRequest({ method: 'POST', url: `${url}/v1/assets`, body, secretKey: alice.secretKey, did: alice.did })
    const raw = await json(await fetch(`${url}/v1/assets`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream', 'mintmark-template': b64urlJson(template), ...sig } }))
    expect(raw.body).toMatchObject({ status: 403, code: 'AUTH_FORBIDDEN' })
    expect(await logSize()).toBe(before)
  })

  it('rejects bad HTTP signatures: wrong key, stale, replayed, tampered body, uncovered digest', async () => {
    const before = await logSize()
    const signed = await signedStatementFor(alice, rand(64))
    const body = new TextEncoder().encode(JSON.stringify(signed))
    const at = `${url}/v1/assets`
    const send = (headers: Record<string, string>, b: Uint8Array = body) =>
      fetch(at, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...headers } }).then(json)
    const good = await signRequest({ method: 'POST', url: at, body, secretKey: alice.secretKey, did: alice.did })
    // signature by another key under alice's keyid
    const forged = await signRequest({ method: 'POST', url: at, body, secretKey: newKeypair().secretKey, did: alice.did })
    expect((await send(forged)).body).toMatchObject({ status: 401, code: 'HTTP_SIGNATURE_INVALID' })
    const stale = await signRequest({ method: 'POST', url: at, body, secretKey: alice.secretKey, did: alice.did, created: Math.floor(Date.now() / 1000) - 3600 })
    expect((await send(stale)).body.code).toBe('HTTP_SIGNATURE_EXPIRED')
    const future = await signRequest({ method: 'POST', url: at, body, secretKey: alice.secretKey, did: alice.did, created: Math.floor(Date.now() / 1000) + 3600 })
    expect((await send(future)).body.code).toBe('HTTP_SIGNATURE_EXPIRED')
    // body changed after signing: the digest no longer matches
    const other = new TextEncoder().encode(JSON.stringify({ ...signed, extra: 1 }))
    expect((await send(good, other)).body).toMatchObject({ status: 400, code: 'CONTENT_DIGEST_MISMATCH' })
    // the signature covers @target-uri: another path fails
    const wrongTarget = await signRequest({ method: 'POST', url: `${url}/v1/verify`, body, secretKey: alice.secretKey, did: alice.did })
    expect((await send(wrongTarget)).body.code).toBe('HTTP_SIGNATURE_INVALID')
    // content-digest not covered
    const noDigest = await signRequest({ method: 'POST', url: at, secretKey: alice.secretKey, did: alice.did })
    expect((await send(noDigest)).body.code).toBe('HTTP_SIGNATURE_INVALID')
    expect(await logSize()).toBe(before)
    // a good signature works once (the tampered attempt above used up `good`'s nonce); a replay is refused
    expect((await send(good)).body.code).toBe('HTTP_SIGNATURE_REPLAYED')
    const fresh = await signRequest({ method: 'POST', url: at, body, secretKey: alice.secretKey, did: alice.did })
    expect((await send(fresh)).status).toBe(201)
    expect((await send(fresh)).body).toMatchObject({ status: 401, code: 'HTTP_SIGNATURE_REPLAYED' })
  })

  it('answers bad statements with their stable codes', async () => {
    const before = await logSize()
    const signed = await signedStatementFor(alice, rand(64))
    const sig = signed.signature.sig
    const badSig = { ...signed, signature: { ...signed.signature, sig: `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}` } }
    expect((await json(await signedPost(`${url}/v1/assets`, alice, badSig))).body).toMatchObject({ status: 422, code: 'SIGNATURE_INVALID' })
    const bad = await json(await signedPost(`${url}/v1/assets`, alice, { ...signed, statement: { ...signed.statement, digitalSourceType: 'robots' } }))
    expect(bad.body).toMatchObject({ status: 422, code: 'MANIFEST_SCHEMA_INVALID', fields: ['statement.digitalSourceType'] })
    const future = await signedStatementFor(alice, rand(64), { createdAt: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') })
    expect((await json(await signedPost(`${url}/v1/assets`, alice, future))).body.code).toBe('STATEMENT_CLOCK_SKEW')
    const notJson = await fetch(`${url}/v1/assets`, { method: 'POST', body: '{"statement": ', headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` } })
    expect(notJson.headers.get('content-type')).toBe('application/problem+json')
    expect(await notJson.json()).toMatchObject({ status: 400, code: 'JSON_INVALID' })
    const wrongTypes = await json(
      await fetch(`${url}/v1/assets`, { method: 'POST', body: JSON.stringify({ cid: 42, license: 'MIT' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` } }),
    )
    expect(wrongTypes.body).toMatchObject({ status: 422, code: 'MANIFEST_SCHEMA_INVALID' })
    expect(wrongTypes.body.fields).toEqual(expect.arrayContaining(['cid', 'license']))
    const noTemplate = await json(await fetch(`${url}/v1/assets`, { method: 'POST', body: rand(10), headers: { authorization: `Bearer ${operatorToken}` } }))
    expect(noTemplate.body).toMatchObject({ status: 400, code: 'INPUT_INVALID', fields: ['mintmark-template'] })
    expect(await logSize()).toBe(before)
  })
})

describe('idempotency', () => {
  it('replays the first response for the same key and body, refuses the key with another body', async () => {
    const headers = { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/octet-stream', 'mintmark-template': b64urlJson(template), 'idempotency-key': 'upload-1' }
    const bytes = rand(2000)
    const first = await fetch(`${url}/v1/assets`, { method: 'POST', body: bytes, headers })
    const firstBody = await first.json()
    expect(first.status).toBe(201)
    const size = await logSize()
    const second = await fetch(`${url}/v1/assets`, { method: 'POST', body: bytes, headers })
    expect(second.status).toBe(201)
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(await second.json()).toEqual(firstBody)
    const other = await json(await fetch(`${url}/v1/assets`, { method: 'POST', body: rand(2000), headers }))
    expect(other.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' })
    expect(await logSize()).toBe(size)
    // keys are per principal: alice's "upload-1" is her own
    const signed = await signedStatementFor(alice, rand(64))
    expect((await signedPost(`${url}/v1/assets`, alice, signed, { 'idempotency-key': 'upload-1' })).status).toBe(201)
  })
})

describe('bodies: limits, encodings, hostile input', () => {
  it('413 for a declared length over the limit, for a chunked body over it, and for a gzip bomb; the server keeps serving', async () => {
    const t0 = Date.now()
    const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(`${url}/v1/verify`)
      import('node:http').then(({ request }) => {
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-length': String(1024 * 1024 * 1024), 'content-type': 'application/octet-stream' } }, (res) => {
          let body = ''
          res.on('data', (c) => (body += c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('error', reject)
        req.write(Buffer.alloc(1024))
      })
    })
    expect(declared.status).toBe(413)
    expect(JSON.parse(declared.body).code).toBe('BODY_TOO_LARGE')
    expect(Date.now() - t0).toBeLessThan(1000)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })
})

describe('bodies: more limits and encodings', () => {
  let small: TestServer
  let smallEnv: Awaited<ReturnType<typeof makeHome>>
  beforeAll(async () => {
    smallEnv = await makeHome()
    small = await serve(smallEnv.home, { limits: { maxUploadBytes: 64 * 1024, maxJsonBytes: 16 * 1024 } })
  })
  afterAll(async () => {
    await small.close()
    await fsp.rm(smallEnv.work, { recursive: true, force: true })
  })

  it('413 for a chunked body over the limit and for a gzip bomb (limit after decoding); 415 for unknown encodings', async () => {
    const chunks = async function* () {
      for (let i = 0; i < 64; i++) yield rand(4096)
    }
    const chunked = await fetch(`${small.url}/v1/verify`, { method: 'POST', body: ReadableStream.from(chunks()) as never, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit)
    expect(await chunked.json()).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' })
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(64 * 1024)
    const t0 = Date.now()
    const r = await fetch(`${small.url}/v1/verify`, { method: 'POST', body: bomb, headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' } })
    expect(await r.json()).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' })
    expect(Date.now() - t0).toBeLessThan(1000)
    const gz = await fetch(`${small.url}/v1/verify`, { method: 'POST', body: gzipSync(Buffer.from('hello')), headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' } })
    expect((await gz.json()).verdict).toBe('unknown')
    const br = await fetch(`${small.url}/v1/verify`, { method: 'POST', body: 'x', headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'br' } })
    expect(await br.json()).toMatchObject({ status: 415, code: 'CONTENT_ENCODING_UNSUPPORTED' })
    const corrupt = await fetch(`${small.url}/v1/verify`, { method: 'POST', body: 'not gzip at all', headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' } })
    expect((await corrupt.json()).code).toBe('INPUT_INVALID')
    const bigJson = await fetch(`${small.url}/v1/verify`, { method: 'POST', body: JSON.stringify({ bundle: 'x'.repeat(20_000) }), headers: { 'content-type': 'application/json' } })
    expect((await bigJson.json()).code).toBe('BODY_TOO_LARGE')
    expect((await fetch(`${small.url}/healthz`)).status).toBe(200)
  })

  it('429 with Retry-After past the bucket, per principal', async () => {
    const limited = await makeHome()
    const s = await serve(limited.home, { rateLimits: { read: { burst: 3, perSecond: 0.01 }, write: { burst: 2, perSecond: 0.01 } } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${s.url}/v1/log/proofs/consistency?from=1`)).status)
      expect(statuses.slice(0, 3)).not.toContain(429)
      const last = await fetch(`${s.url}/v1/checkpoints/latest`)
      expect(last.status).toBe(429)
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await last.json()).toMatchObject({ code: 'RATE_LIMITED' })
      // writes: alice's budget is hers; carol still has her own
      const carol = newKeypair()
      const codes: number[] = []
      for (let i = 0; i < 3; i++) codes.push((await signedPost(`${s.url}/v1/assets`, alice, await signedStatementFor(alice, rand(32)))).status)
      expect(codes).toEqual([201, 201, 429])
      expect((await signedPost(`${s.url}/v1/assets`, carol, await signedStatementFor(carol, rand(32)))).status).toBe(201)
    } finally {
      await s.close()
      await fsp.rm(limited.work, { recursive: true, force: true })
    }
  })
})

describe('reads', () => {
  const lineage: string[] = []
  beforeAll(async () => {
    // parent ← child ← grandchild, plus a second child
    const parent = await signedStatementFor(alice, rand(100), { asset: { title: 'parent' } })
    const child = await signedStatementFor(alice, rand(100), { asset: { title: 'child' }, parents: [{ cid: parent.statement.asset.cid, relation: 'parentOf' }] })
    const grandchild = await signedStatementFor(alice, rand(100), { asset: { title: 'grandchild' }, parents: [{ cid: child.statement.asset.cid, relation: 'parentOf' }] })
    const sibling = await signedStatementFor(alice, rand(100), { asset: { title: 'sibling' }, parents: [{ cid: parent.statement.asset.cid, relation: 'componentOf' }] })
    for (const s of [parent, child, grandchild, sibling]) {
      expect((await signedPost(`${url}/v1/assets`, alice, s)).status).toBe(201)
      lineage.push(s.statement.asset.cid)
    }
  })

  it('lineage: ancestors and descendants, depth-limited', async () => {
    const [parent, child, grandchild, sibling] = lineage as [string, string, string, string]
    const d1 = (await json(await fetch(`${url}/v1/assets/${parent}/lineage?depth=1`))).body
    expect(d1.descendants.map((n: { cid: string }) => n.cid).sort()).toEqual([child, sibling].sort())
    expect(d1.ancestors).toEqual([])
    expect(d1.truncated).toBe(true)
    const d2 = (await json(await fetch(`${url}/v1/assets/${parent}/lineage?depth=2`))).body
    expect(d2.descendants).toContainEqual(expect.objectContaining({ cid: grandchild, depth: 2, via: child }))
    const up = (await json(await fetch(`${url}/v1/assets/${grandchild}/lineage`))).body
    expect(up.ancestors.map((n: { cid: string; depth: number }) => [n.cid, n.depth])).toEqual([
      [child, 1],
      [parent, 2],
    ])
    expect((await json(await fetch(`${url}/v1/assets/${parent}/lineage?depth=11`))).body).toMatchObject({ status: 400, code: 'INPUT_INVALID', fields: ['depth'] })
  })

  it('asset, bundle, content, checkpoint and proofs', async () => {
    const cid = lineage[0] as string
    const rec = await json(await fetch(`${url}/v1/assets/${cid}`))
    expect(rec.body.lineage.children).toHaveLength(2)
    const bundle = await fetch(`${url}/v1/assets/${cid}/bundle`)
    expect(bundle.headers.get('content-type')).toBe('application/vnd.mintmark.bundle.v1+json')
    const b = (await bundle.json()) as { entry: { statement: { asset: { cid: string } } }; inclusion: { logIndex: number } }
    expect(b.entry.statement.asset.cid).toBe(cid)
    expect((await json(await fetch(`${url}/v1/assets/${cid}/content`))).body).toMatchObject({ status: 404, code: 'BLOB_NOT_FOUND' })
    const cp = await json(await fetch(`${url}/v1/checkpoints/latest`))
    expect(cp.body).toMatchObject({ origin: expect.any(String), size: expect.any(Number), note: expect.stringContaining('\n') })
    const byCid = await json(await fetch(`${url}/v1/log/proofs/inclusion?cid=${cid}`))
    expect(byCid.body.logIndex).toBe(b.inclusion.logIndex)
    const byIndex = await json(await fetch(`${url}/v1/log/proofs/inclusion?index=${b.inclusion.logIndex}`))
    expect(byIndex.body).toEqual(byCid.body)
    const { verifyInclusionProof } = await import('@mintmark/core')
    const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'))
    expect(
      verifyInclusionProof({ leafIndex: byCid.body.logIndex, treeSize: byCid.body.treeSize, leafHash: hex(byCid.body.leafHash), root: hex(byCid.body.rootHash), proof: byCid.body.hashes.map(hex) }),
    ).toBe(true)
    const cons = await json(await fetch(`${url}/v1/log/proofs/consistency?from=1&to=${byCid.body.treeSize}`))
    expect(cons.body).toMatchObject({ oldSize: 1, newSize: byCid.body.treeSize })
    expect((await json(await fetch(`${url}/v1/log/proofs/consistency?from=5&to=2`))).body.code).toBe('USAGE_INVALID')
    expect((await json(await fetch(`${url}/v1/log/proofs/consistency?from=1&to=999999`))).body.code).toBe('MERKLE_INDEX_OUT_OF_RANGE')
    expect((await json(await fetch(`${url}/v1/log/proofs/inclusion?index=999999`))).body).toMatchObject({ status: 404, code: 'LOG_ENTRY_NOT_FOUND' })
    expect((await json(await fetch(`${url}/v1/log/proofs/inclusion`))).body.code).toBe('INPUT_INVALID')
    expect((await json(await fetch(`${url}/v1/log/proofs/inclusion?cid=${cid}&index=1`))).body.code).toBe('INPUT_INVALID')
    expect((await json(await fetch(`${url}/v1/assets/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku`))).body).toMatchObject({ status: 404, code: 'ASSET_NOT_FOUND' })
  })

  it('a record read before the log grows shows what the log holds after (no stale cached record)', async () => {
    const parent = lineage[0] as string
    const before = await json(await fetch(`${url}/v1/assets/${parent}`))
    const late = await signedStatementFor(alice, rand(100), { asset: { title: 'late child' }, parents: [{ cid: parent, relation: 'inputTo' }] })
    expect((await signedPost(`${url}/v1/assets`, alice, late)).status).toBe(201)
    const after = await json(await fetch(`${url}/v1/assets/${parent}`))
    expect(after.body.lineage.children).toHaveLength(before.body.lineage.children.length + 1)
    expect(after.body.lineage.children.map((c: { cid: string }) => c.cid)).toContain(late.statement.asset.cid)
    expect(after.body.log.treeSize).toBe(before.body.log.treeSize + 1)
  })

  it('creator statements, paginated in log order', async () => {
    const page1 = await json(await fetch(`${url}/v1/creators/${alice.did}/statements?limit=2`))
    expect(page1.body.items).toHaveLength(2)
    expect(page1.body.items[0].statement.creator).toBe(alice.did)
    const all: number[] = page1.body.items.map((i: { logIndex: number }) => i.logIndex)
    let cursor = page1.body.nextCursor
    while (cursor) {
      const p = await json(await fetch(`${url}/v1/creators/${alice.did}/statements?limit=2&cursor=${cursor}`))
      all.push(...p.body.items.map((i: { logIndex: number }) => i.logIndex))
      cursor = p.body.nextCursor
    }
    expect(all).toEqual([...all].sort((a, b) => a - b))
    expect(new Set(all).size).toBe(all.length)
    expect(all.length).toBeGreaterThanOrEqual(6)
    expect((await json(await fetch(`${url}/v1/creators/did:key:nope!/statements`))).body).toMatchObject({ status: 400 })
    expect((await json(await fetch(`${url}/v1/creators/${newKeypair().did}/statements`))).body).toEqual({ creator: expect.any(String), items: [], nextCursor: null })
  })

  it('path traversal and junk in every id parameter: 4xx problem with a code, nothing served from outside the store', async () => {
    const corpus = [
      '..', '../', '..%2f..%2fetc%2fpasswd', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc', '%252e%252e', '..%5c..%5cwindows', '%00', 'bafk%00', '/etc/passwd',
      '%2fetc%2fpasswd', '..\\..\\x', '\u2024\u2024', '%E2%80%A4%E2%80%A4', '%EF%BC%8E%EF%BC%8E', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk',
      'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuu', `${'a'.repeat(63)}`, `${'a'.repeat(65)}`, 'did:key:..', 'BAFKREI', ' ', '.', 'x'.repeat(5000),
    ]
    const templates = ['/v1/assets/{}', '/v1/assets/{}/bundle', '/v1/assets/{}/content', '/v1/assets/{}/lineage', '/v1/creators/{}/statements']
    let n = 0
    const { request } = await import('node:http')
    const u = new URL(url)
    // node's http client sends the path as written (fetch would normalise dot segments away)
    const raw = (p: string) =>
      new Promise<{ status: number; body: string; type: string | undefined }>((resolve, reject) => {
        const req = request({ host: u.hostname, port: u.port, path: p, method: 'GET' }, (res) => {
          let body = ''
          res.on('data', (c) => (body += c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }))
        })
        req.on('error', reject)
        req.end()
      })
    for (const t of templates)
      for (const c of corpus) {
        const p = t.replace('{}', c.replace(/ /g, '%20'))
        let r: { status: number; body: string; type: string | undefined }
        try {
          r = await raw(p)
        } catch {
          continue // the client refused to send it (invalid characters): nothing reached the server
        }
        n++
        expect(r.status, p).toBeGreaterThanOrEqual(400)
        expect(r.status, p).toBeLessThan(500)
        expect(r.type, p).toBe('application/problem+json')
        expect(JSON.parse(r.body).code, p).toMatch(/^[A-Z_]+$/)
      }
    expect(n).toBeGreaterThan(100)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('unknown routes and methods', async () => {
    expect((await json(await fetch(`${url}/v2/nothing`))).body).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' })
    const r = await fetch(`${url}/v1/search`, { method: 'DELETE' })
    expect(r.status).toBe(405)
    expect(r.headers.get('allow')).toBe('GET')
    expect((await r.json()).code).toBe('METHOD_NOT_ALLOWED')
  })
})

describe('verify', () => {
  it('an uploaded file gives the same report as the library’s verifyFile, and bundles verify alone or with the file', async () => {
    const bytes = rand(10_000)
    const reg = await json(
      await fetch(`${url}/v1/assets?filename=v.bin`, {
        method: 'POST',
        body: bytes,
        headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/octet-stream', 'mintmark-template': b64urlJson(template) },
      }),
    )
    expect(reg.status).toBe(201)
    const file = path.join(env.work, 'v.bin')
    await fsp.writeFile(file, bytes)
    const http = await json(await fetch(`${url}/v1/verify`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } }))
    const ctx = await openApp({ home: env.home })
    try {
      const lib = await verifyFile(ctx, file)
      expect(http.body).toEqual(JSON.parse(JSON.stringify(lib)))
      expect(lib.verdict).toBe('verified')
    } finally {
      await ctx.close()
    }
    const unknown = await json(await fetch(`${url}/v1/verify`, { method: 'POST', body: rand(10), headers: { 'content-type': 'application/octet-stream' } }))
    expect(unknown.body.verdict).toBe('unknown')

    const bundle = await (await fetch(`${url}/v1/assets/${reg.body.cid}/bundle`)).json()
    const alone = await json(await fetch(`${url}/v1/verify`, { method: 'POST', body: JSON.stringify({ bundle, trustedLogKeys: [env.logKey] }), headers: { 'content-type': 'application/json' } }))
    expect(alone.body.verdict).toBe('verified')
    const form = new FormData()
    form.set('bundle', JSON.stringify(bundle))
    form.set('file', new Blob([bytes]), 'v.bin')
    expect((await json(await fetch(`${url}/v1/verify`, { method: 'POST', body: form }))).body.verdict).toBe('verified')
    const tampered = new Uint8Array(bytes)
    tampered[0] = (tampered[0] as number) ^ 1
    const form2 = new FormData()
    form2.set('bundle', JSON.stringify(bundle))
    form2.set('file', new Blob([tampered]), 'v.bin')
    const bad = await json(await fetch(`${url}/v1/verify`, { method: 'POST', body: form2 }))
    expect(bad.body.verdict).toBe('failed')
    expect(bad.body.checks).toContainEqual(expect.objectContaining({ code: 'CONTENT_ADDRESS', status: 'fail' }))
    const malformed = await json(await fetch(`${url}/v1/verify`, { method: 'POST', body: JSON.stringify({ bundle: { mediaType: 'nope' } }), headers: { 'content-type': 'application/json' } }))
    expect(malformed.body).toMatchObject({ status: 422, code: 'BUNDLE_INVALID' })
  })
})

describe('search (through the API)', () => {
  it('finds registered assets by text, model, creator and source, with cursor pagination', async () => {
    const bob = newKeypair()
    for (let i = 0; i < 5; i++) {
      const s = await signedStatementFor(bob, rand(50), {
        asset: { title: `aurora borealis ${i}`, mediaType: 'image/png', dimensions: { width: 1000 * (i + 1), height: 800 } },
        generation: { model: { name: 'NorthLight', version: '2' } },
      })
      expect((await signedPost(`${url}/v1/assets`, bob, s)).status).toBe(201)
    }
    const q = async (qs: string) => (await json(await fetch(`${url}/v1/search?${qs}`))).body
    expect((await q('q=aurora')).items).toHaveLength(5)
    expect((await q('q=aurora&minWidth=3000')).items).toHaveLength(3)
    expect((await q('model=northlight&mediaType=image')).items).toHaveLength(5)
    expect((await q(`creator=${bob.did}&source=ai&license=cc-by-4.0&commercialUse=true`)).items).toHaveLength(5)
    expect((await q(`creator=${bob.did}&source=human`)).items).toHaveLength(0)
    const p1 = await q(`creator=${bob.did}&limit=2`)
    const p2 = await q(`creator=${bob.did}&limit=2&cursor=${p1.nextCursor}`)
    const p3 = await q(`creator=${bob.did}&limit=2&cursor=${p2.nextCursor}`)
    const titles = [...p1.items, ...p2.items, ...p3.items].map((i: { title: string }) => i.title)
    expect(titles).toEqual(['aurora borealis 4', 'aurora borealis 3', 'aurora borealis 2', 'aurora borealis 1', 'aurora borealis 0'])
    expect(p3.nextCursor).toBeNull()
    expect((await q(`creator=${alice.did}&limit=2&cursor=${p1.nextCursor}`))).toMatchObject({ status: 400, code: 'CURSOR_INVALID' })
    expect(await q('cursor=garbage')).toMatchObject({ status: 400, code: 'CURSOR_INVALID' })
    expect(await q('minWidth=abc')).toMatchObject({ status: 400, code: 'INPUT_INVALID', fields: ['minWidth'] })
    expect(await q('bogus=1')).toMatchObject({ status: 400, code: 'INPUT_INVALID' })
    expect(await q('q=a&q=b')).toMatchObject({ status: 400, code: 'INPUT_INVALID' })
  })
})

describe('service endpoints', () => {
  it('serves OpenAPI 3.1, a docs page, health and Prometheus metrics', async () => {
    const doc = (await json(await fetch(`${url}/openapi.json`))).body
    expect(doc.openapi).toBe('3.1.0')
    for (const r of server.routes) expect(doc.paths[r.path][r.method.toLowerCase()].operationId).toBe(r.operationId)
    expect(doc.paths['/v1/search'].get.parameters.map((p: { name: string }) => p.name)).toContain('minWidth')
    const html = await (await fetch(`${url}/docs`)).text()
    expect(html).toMatch(/^<!doctype html>/)
    for (const r of server.routes) expect(html).toContain(r.path)
    expect(html).not.toMatch(/<script|https?:\/\/cdn/i)
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/mintmark_http_requests_total\{route="\/v1\/assets",method="POST",status="201"\} \d+/)
    expect(metrics).toMatch(/mintmark_http_request_duration_seconds_bucket\{route="\/v1\/search",method="GET",le="0.005"\} \d+/)
    expect(metrics).toMatch(/mintmark_log_size \d+/)
    expect((await json(await fetch(`${url}/healthz`))).body).toMatchObject({ status: 'ok', logSize: expect.any(Number) })
  })
})

describe('graceful shutdown', () => {
  it('finishes an in-flight upload, refuses new connections, and the record is durable', async () => {
    const h = await makeHome()
    const token = (await createApiKey({ home: h.home, principal: h.creator.did, scopes: ['assets:write'] })).token
    const s = await serve(h.home)
    const bytes = rand(256 * 1024)
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(bytes.subarray(0, 1024))
        await gate
        controller.enqueue(bytes.subarray(1024))
        controller.close()
      },
    })
    const pending = fetch(`${s.url}/v1/assets?filename=slow.bin`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'mintmark-template': b64urlJson(template) },
    } as RequestInit)
    await new Promise((r) => setTimeout(r, 200))
    const closed = s.close()
    await new Promise((r) => setTimeout(r, 100))
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow()
    release()
    const res = await pending
    expect(res.status).toBe(201)
    const { cid } = (await res.json()) as { cid: string }
    await closed
    const ctx = await openApp({ home: h.home })
    try {
      expect(await ctx.entriesFor(cid)).toHaveLength(1)
      expect(await ctx.blobs.has(cid)).toBe(true)
    } finally {
      await ctx.close()
    }
    // The search index is derived: deleted, it is rebuilt from the log on start.
    await fsp.rm(path.join(h.home, 'search.sqlite'))
    const again = await serve(h.home)
    try {
      const found = (await (await fetch(`${again.url}/v1/search?creator=${h.creator.did}`)).json()) as { items: { cid: string }[] }
      expect(found.items.map((i) => i.cid)).toEqual([cid])
    } finally {
      await again.close()
      await fsp.rm(h.work, { recursive: true, force: true })
    }
  })
})
