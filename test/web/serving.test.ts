import { promises as fsp } from 'node:fs'
import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebApp } from '../../apps/server/src/http/web-app.js'
import { type TestServer, makeHome, serve } from '../../apps/server/test/helpers.js'
import { repoRoot } from '../helpers/cli.js'
import { ensureWebBuilt } from './helpers.js'

// `mintmark serve` serves the built explorer at `/` (apps/server/src/http/web-app.ts), through a
// real server on 127.0.0.1: content types, caching, SPA fallback, the API never shadowed.

let env: Awaited<ReturnType<typeof makeHome>>
let server: TestServer
const dist = path.join(repoRoot, 'apps', 'web', 'dist')

beforeAll(async () => {
  ensureWebBuilt()
  env = await makeHome('mintmark-web-serving-')
  server = await serve(env.home)
})
afterAll(async () => {
  await server?.close()
  await fsp.rm(env.work, { recursive: true, force: true })
})

/** A GET with the exact raw path (fetch would normalise `..` away). */
function rawGet(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path: rawPath, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('serving the web explorer', () => {
  it('serves index.html at / and at app routes, with a CSP, never cached stale', async () => {
    const index = await fsp.readFile(path.join(dist, 'index.html'), 'utf8')
    for (const p of ['/', '/verify', '/search?q=fox', '/assets/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e', '/dashboard', '/log']) {
      const r = await fetch(`${server.url}${p}`)
      expect(r.status, p).toBe(200)
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(r.headers.get('cache-control')).toBe('no-cache')
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await r.text()).toBe(index)
    }
  })

  it('serves hashed bundles with their content type, immutable caching, gzip and revalidation', async () => {
    const files = await fsp.readdir(path.join(dist, 'static'))
    const js = files.find((f) => /^index-.*\.js$/.test(f)) as string
    const css = files.find((f) => f.endsWith('.css')) as string
    const r = await rawGet(`/static/${js}`, { 'accept-encoding': 'gzip' })
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(r.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(r.body)).toEqual(await fsp.readFile(path.join(dist, 'static', js)))
    const c = await fetch(`${server.url}/static/${css}`)
    expect(c.headers.get('content-type')).toBe('text/css; charset=utf-8')
    const again = await fetch(`${server.url}/static/${css}`, { headers: { 'if-none-match': c.headers.get('etag') as string } })
    expect(again.status).toBe(304)
  })

  it('never shadows the API: unknown API paths stay JSON problems, API routes answer as before', async () => {
    for (const p of ['/v1/nope', '/v1', '/v2/nothing', '/healthz/x', '/docs/x', '/openapi.json/x', '/metrics/x', '/mcp/x']) {
      const r = await fetch(`${server.url}${p}`)
      expect(r.status, p).toBe(404)
      expect(r.headers.get('content-type'), p).toBe('application/problem+json')
      expect(((await r.json()) as { code: string }).code).toBe('ROUTE_NOT_FOUND')
    }
    expect((await fetch(`${server.url}/healthz`)).headers.get('content-type')).toBe('application/json')
    expect((await fetch(`${server.url}/docs`)).headers.get('content-type')).toBe('text/html; charset=utf-8')
    // A missing hashed file is a 404, not the app's HTML (a stale tab must not run HTML as JS).
    const missing = await fetch(`${server.url}/static/index-deadbeef.js`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    // Only GET and HEAD reach the app.
    const post = await fetch(`${server.url}/verify`, { method: 'POST', body: 'x' })
    expect(post.status).toBe(404)
    const head = await fetch(`${server.url}/search`, { method: 'HEAD' })
    expect(head.status).toBe(200)
  })

  it('refuses path traversal and hidden files', async () => {
    for (const p of ['/../package.json', '/static/../../package.json', '/%2e%2e/package.json', '/static/%2e%2e%2f%2e%2e%2fpackage.json', '/..%5cpackage.json', '/.env', '/static/.hidden.js']) {
      const r = await rawGet(p)
      expect(r.status, p).toBeGreaterThanOrEqual(400)
      expect(r.body.toString(), p).not.toContain('"workspaces"')
    }
    // The app's own check, without the server's raw-path guard in front of it.
    const app = createWebApp({ distDir: dist })
    for (const p of ['/%2e%2e/package.json', '/static/..%2F..%2Fpackage.json', '/.vite/manifest.json', '/a%00b.js'])
      expect(await app.handle(new Request(`http://x${p}`)), p).toBeUndefined()
  })

  it('says clearly when the explorer was not built', async () => {
    const empty = path.join(env.work, 'no-dist')
    await fsp.mkdir(empty)
    const app = createWebApp({ distDir: empty })
    const r = (await app.handle(new Request('http://x/verify'))) as Response
    expect(r.status).toBe(503)
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await r.text()).toContain('npm run build -w @mintmark/web')
    expect(await app.handle(new Request('http://x/v1/assets'))).toBeUndefined()
  })
})
