import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

/**
 * Serves the web explorer (apps/web/dist, built by Vite) at `/`: its files with their content
 * types, hashed bundles cached for a year, and index.html for every other GET that is not an API
 * path, so that client-side routes (`/assets/<cid>`, `/search?…`) load the app. API paths are
 * never answered here: the caller falls through to its own 404 problem.
 */
export type WebAppOptions = {
  /** The built app; default `apps/web/dist` next to this package (or MINTMARK_WEB_DIST). */
  distDir?: string | undefined
}

export type WebApp = {
  /** The response for a GET/HEAD outside the API, or undefined to let the caller answer. */
  handle(request: Request): Promise<Response | undefined>
  readonly distDir: string
}

/** Paths the API owns; the app never shadows them, even when a file of that name exists. */
const reservedPrefixes = ['/mcp', '/healthz', '/metrics', '/openapi.json', '/docs']
/** Every API version prefix (`/v1`, and `/v2`… to come) stays the API's, answered or not. */
const apiVersion = /^\/v\d+(?:\/|$)/

/** Vite writes content-hashed files here (see apps/web/vite.config.ts `assetsDir`). */
const hashedDir = '/static/'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}
const compressible = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest'])

/**
 * Scripts and styles only from this origin; images and media from this origin (asset content) plus
 * blob:/data: (previews of dropped files). connect-src adds loopback origins: on the dev chain the
 * built-in wallet talks to anvil's RPC on 127.0.0.1 directly (an injected wallet sends its own
 * requests, outside the page's CSP).
 */
export const webAppCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self' http://127.0.0.1:* http://localhost:*",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const securityHeaders = {
  'content-security-policy': webAppCsp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
}

export function defaultWebDistDir(): string {
  // src/http/web-app.ts and dist/http/web-app.js both sit three levels below apps/.
  return process.env.MINTMARK_WEB_DIST ?? fileURLToPath(new URL('../../../web/dist/', import.meta.url))
}

export function createWebApp(options: WebAppOptions = {}): WebApp {
  const distDir = path.resolve(options.distDir ?? defaultWebDistDir())
  // Compressed bodies, keyed by file and its (mtime, size): rebuilding dist invalidates them.
  const gzipCache = new Map<string, { key: string; body: Uint8Array<ArrayBuffer> }>()

  async function readFile(file: string): Promise<{ body: Uint8Array<ArrayBuffer>; etag: string; key: string } | undefined> {
    try {
      const stat = await fsp.stat(file)
      if (!stat.isFile()) return undefined
      const key = `${stat.mtimeMs.toString(36)}-${stat.size.toString(36)}`
      return { body: new Uint8Array(await fsp.readFile(file)), etag: `"${key}"`, key }
    } catch {
      return undefined
    }
  }

  function respond(request: Request, file: string, data: { body: Uint8Array<ArrayBuffer>; etag: string; key: string }, cacheControl: string, status = 200): Response {
    const ext = path.extname(file).toLowerCase()
    const headers: Record<string, string> = {
      ...securityHeaders,
      'content-type': contentTypes[ext] ?? 'application/octet-stream',
      'cache-control': cacheControl,
      etag: data.etag,
      vary: 'accept-encoding',
    }
    if (request.headers.get('if-none-match') === data.etag) return new Response(null, { status: 304, headers })
    let body = data.body
    if (compressible.has(ext) && body.byteLength > 1024 && /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
      let cached = gzipCache.get(file)
      if (cached?.key !== data.key) {
        cached = { key: data.key, body: new Uint8Array(gzipSync(body, { level: 9 })) }
        gzipCache.set(file, cached)
      }
      body = cached.body
      headers['content-encoding'] = 'gzip'
    }
    headers['content-length'] = String(body.byteLength)
    return new Response(request.method === 'HEAD' ? null : body, { status, headers })
  }

  return {
    distDir,
    async handle(request) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
      const pathname = new URL(request.url).pathname
      if (apiVersion.test(pathname) || reservedPrefixes.some((p) => pathname === p || pathname.startsWith(`${p}/`))) return undefined
      const rel = safeRelativePath(pathname)
      if (rel === undefined) return undefined

      if (rel !== '') {
        const file = path.join(distDir, rel)
        const data = await readFile(file)
        if (data) return respond(request, file, data, pathname.startsWith(hashedDir) ? 'public, max-age=31536000, immutable' : 'no-cache')
        // A missing file (a stale chunk, a typo) is a 404, never the app's HTML.
        if (path.posix.extname(rel) !== '') return undefined
      }
      const index = path.join(distDir, 'index.html')
      const data = await readFile(index)
      if (data) return respond(request, index, data, 'no-cache')
      return notBuiltPage(request)
    },
  }
}

/**
 * The path below the app's root, or undefined for anything that could leave it or name a hidden
 * file: decoded segments with `..`, `.`, separators, NUL or a leading dot are refused. The server's
 * raw-path guard refuses most of these before routing; this check does not rely on it.
 */
export function safeRelativePath(pathname: string): string | undefined {
  const segments: string[] = []
  for (const raw of pathname.split('/')) {
    if (raw === '') continue
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return undefined
    }
    if (segment.startsWith('.') || /[/\\\u0000]/.test(segment)) return undefined
    segments.push(segment)
  }
  return segments.join('/')
}

function notBuiltPage(request: Request): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mintmark: web explorer not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a">
<h1>The web explorer is not built</h1>
<p>This server answers the API (<a href="/docs">reference</a>, <a href="/openapi.json">OpenAPI</a>), but the explorer's files are missing.</p>
<p>Build them with <code>npm run build -w @mintmark/web</code> and reload this page.</p>
</body></html>\n`
  return new Response(request.method === 'HEAD' ? null : html, {
    status: 503,
    headers: {
      ...securityHeaders,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    },
  })
}
