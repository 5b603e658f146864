import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { initHome } from '@mintmark/app'
import { type Did, type Manifest, createLocalSigner, createManifest, generateEd25519KeyPair, hashBytes, signStatement } from '@mintmark/core'
import { readKeyFile } from '@mintmark/storage'
import { createPostgresLogStore } from '@mintmark/storage/postgres'
import type pg from 'pg'
import { type CreateServerOptions, signRequest, startServer } from '../src/index.js'

export type TestServer = Awaited<ReturnType<typeof startServer>>

/** A fresh home in a temp dir, with its creator key read back (for signing in tests). */
export async function makeHome(prefix = 'mintmark-server-') {
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), prefix))
  const home = path.join(work, '.mintmark')
  const init = await initHome({ home })
  const key = await readKeyFile(path.join(home, 'keys', 'creator.key'), {})
  return { work, home, creator: { did: key.did as Did, secretKey: key.secretKey }, logKey: init.logKey }
}

export async function serve(home: string, extra: Partial<CreateServerOptions> = {}): Promise<TestServer> {
  return startServer({ home, port: 0, host: '127.0.0.1', logLevel: 'silent', ...extra })
}

export type Keypair = { did: Did; secretKey: Uint8Array }

export function newKeypair(): Keypair {
  const k = generateEd25519KeyPair()
  return { did: k.did as Did, secretKey: k.secretKey }
}

/** A manifest for some bytes, signed by `who`. */
export async function signedStatementFor(
  who: Keypair,
  bytes: Uint8Array,
  extra: Partial<Omit<Manifest, 'asset'>> & { asset?: Partial<Manifest['asset']> } = {},
) {
  const h = hashBytes(bytes)
  const { asset, ...rest } = extra
  const manifest = createManifest({
    asset: { cid: h.cid, sha256: h.sha256, size: h.size, mediaType: 'application/octet-stream', ...asset },
    digitalSourceType: 'trainedAlgorithmicMedia',
    rights: { owner: who.did, license: { spdx: 'CC-BY-4.0' }, royalties: [{ payee: who.did, bps: 10_000 }] },
    creator: who.did,
    createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...rest,
  } as never)
  return signStatement(manifest, createLocalSigner(who.secretKey))
}

/** POSTs JSON signed with RFC 9421 by `who`. */
export async function signedPost(url: string, who: Keypair, json: unknown, headers: Record<string, string> = {}, sign: Partial<Parameters<typeof signRequest>[0]> = {}) {
  const body = new TextEncoder().encode(JSON.stringify(json))
  const sig = await signRequest({ method: 'POST', url, body, secretKey: who.secretKey, did: who.did, ...sign })
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers, ...sig } })
}

export const rand = (n: number) => new Uint8Array(randomBytes(n))

export function b64urlJson(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url')
}

/**
 * Two API nodes on one new database of a test PostgreSQL: two log stores (two pools, which
 * migrate concurrently), each pool given to `make`. For the suites that run a state store as two
 * nodes would.
 */
export async function twoPostgresNodes<T>(
  server: { createDatabase(): Promise<{ url: string; drop(): Promise<void> }> },
  make: (pool: pg.Pool) => Promise<T>,
): Promise<{ a: T; b: T; cleanup(): Promise<void> }> {
  const db = await server.createDatabase()
  const stores = await Promise.all([0, 1].map(() => createPostgresLogStore({ connectionString: db.url })))
  const [a, b] = (await Promise.all(stores.map((s) => make(s.pool)))) as [T, T]
  return {
    a,
    b,
    async cleanup() {
      for (const s of stores) await s.close()
      await db.drop()
    },
  }
}
