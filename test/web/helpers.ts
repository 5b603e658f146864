import { spawnSync } from 'node:child_process'
import { existsSync, promises as fsp, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import sharp from 'sharp'
import { expect } from 'vitest'
import type { CreateServerOptions } from '../../apps/server/src/index.js'
import { createApiKey } from '../../apps/server/src/index.js'
import { type TestServer, b64urlJson, makeHome, serve } from '../../apps/server/test/helpers.js'
import { repoRoot } from '../helpers/cli.js'

// The browser side of the web tests: Debian's chromium driven by playwright-core, headless, one
// instance per test file; screenshots land in test-artifacts/web/.

export const chromiumPath = process.env.MINTMARK_CHROMIUM ?? '/usr/bin/chromium'
export const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
export const artifactsDir = path.join(repoRoot, 'test-artifacts', 'web')
const webDir = path.join(repoRoot, 'apps', 'web')

/** Bounded waits for expect.poll: the page answers in well under this. */
export const wait = { timeout: 15_000, interval: 100 }

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags, timeout: 30_000 })
}

/** What a browser test file runs against: a fresh home served over HTTP, an operator key, a browser. */
export type WebFixture = {
  env: Awaited<ReturnType<typeof makeHome>>
  server: TestServer
  /** An API key of the home's creator with `assets:write`. */
  token: string
  browser: Browser
  /** A desktop-sized context (1280 × 900); tests open narrower ones themselves. */
  context: BrowserContext
  /** Registers bytes through the HTTP API with the operator key; resolves to the CID. */
  register(bytes: Uint8Array, template: Template, filename: string): Promise<string>
  close(): Promise<void>
}

/** Starts a test file's home, server and browser (the web app built first). Close it in afterAll. */
export async function openWebFixture(prefix: string, serverOptions: Partial<CreateServerOptions> = {}): Promise<WebFixture> {
  ensureWebBuilt()
  const env = await makeHome(prefix)
  const token = (await createApiKey({ home: env.home, principal: env.creator.did, scopes: ['assets:write'] })).token
  const server = await serve(env.home, serverOptions)
  const browser = await launchBrowser()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  return {
    env,
    server,
    token,
    browser,
    context,
    register: (bytes, template, filename) => registerUpload(server.url, token, bytes, template, filename).then((r) => r.cid),
    async close() {
      await browser.close()
      await server.close()
      await fsp.rm(env.work, { recursive: true, force: true })
    },
  }
}

/** Polls the text of the first element matching `selector` (use with .toContain / .toBe). */
export const textOf = (page: Page, selector: string) => expect.poll(() => page.locator(selector).first().textContent(), wait)

/**
 * Builds apps/web when its dist is missing or older than its sources (a test run after an edit
 * must not test a stale bundle). `npm test` builds it first, so this is usually a no-op. Test
 * files run in parallel processes: a lock directory lets one build while the others wait.
 */
export function ensureWebBuilt(): void {
  const index = path.join(webDir, 'dist', 'index.html')
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs), 0)
  const fresh = () => {
    const sources = Math.max(newest(path.join(webDir, 'src')), statSync(path.join(webDir, 'index.html')).mtimeMs, statSync(path.join(webDir, 'vite.config.ts')).mtimeMs)
    return existsSync(index) && statSync(index).mtimeMs >= sources
  }
  const lock = path.join(os.tmpdir(), 'mintmark-web-build.lock')
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  for (let waited = 0; ; waited += 200) {
    if (fresh()) return
    try {
      mkdirSync(lock)
      break
    } catch {
      // Another file is building; a lock older than two minutes was left by a killed run.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 120_000) rmSync(lock, { recursive: true, force: true })
      if (waited > 180_000) throw new Error('Timed out waiting for another process to build apps/web')
      sleep(200)
    }
  }
  try {
    if (fresh()) return
    const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8', timeout: 120_000 })
    if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`)
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** A page that records uncaught errors and console errors (CSP violations arrive as console errors). */
export async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    // 404s of lookups the app expects (no exact record) are answered, not errors of the page.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 404/.test(m.text())) errors.push(`console: ${m.text()}`)
  })
  page.setDefaultTimeout(15_000)
  return { page, errors }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await fsp.mkdir(artifactsDir, { recursive: true })
  const file = path.join(artifactsDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/**
 * A test image with structure (a gradient, a disc, a bar), so PDQ and previews have something to
 * see. Drawn as raw pixels: the media package restricts sharp's file loaders process-wide (no SVG).
 */
export async function sampleImage(seed: number, width = 640, height = 480): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3)
  const cx = (seed * 97) % width
  const cy = height / 2
  const r2 = (height / 4) ** 2
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      const t = (x + y) / (width + height)
      let rgb = [Math.round(255 * t), Math.round(((seed * 53) % 255) * (1 - t)), Math.round(255 * (1 - t) * ((seed % 3) / 2))]
      if ((x - cx) ** 2 + (y - cy) ** 2 < r2) rgb = [20 + ((seed * 31) % 80), 30, 60]
      else if (x > width / 8 && x < (3 * width) / 8 && y > height / 8 && y < (5 * height) / 8) rgb = [235, 235, 225]
      px[i] = rgb[0] as number
      px[i + 1] = rgb[1] as number
      px[i + 2] = rgb[2] as number
    }
  return sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer()
}

export type Template = Record<string, unknown> & { title?: string }

/** Registers bytes through the HTTP API (raw upload, the operator's key): the path a studio uses. */
export async function registerUpload(url: string, token: string, bytes: Uint8Array, template: Template, filename = 'upload.bin') {
  const r = await fetch(`${url}/v1/assets?filename=${encodeURIComponent(filename)}`, {
    method: 'POST',
    body: Buffer.from(bytes),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'mintmark-template': b64urlJson(template) },
  })
  const body = (await r.json()) as { cid: string; logIndex: number; code?: string; title?: string }
  if (r.status !== 201 && r.status !== 200) throw new Error(`register failed: ${r.status} ${JSON.stringify(body)}`)
  return body
}

export const aiTemplate = (title: string, extra: Template = {}): Template => ({
  digitalSourceType: 'trainedAlgorithmicMedia',
  license: { spdx: 'CC-BY-4.0' },
  generation: { model: { name: 'fluxish', version: '1.2', weightsHash: `sha256:${'ab'.repeat(32)}` }, prompt: 'a red fox in the snow, golden hour' },
  title,
  ...extra,
})

/** Files for a file input, from bytes. */
export const fileFor = (name: string, mimeType: string, bytes: Uint8Array) => ({ name, mimeType, buffer: Buffer.from(bytes) })

/** Waits for the verify page's verdict and returns it. */
export async function verdictOf(page: Page): Promise<string> {
  const result = page.locator('.result[data-verdict]')
  await result.waitFor({ timeout: 30_000 })
  return (await result.getAttribute('data-verdict')) ?? ''
}
