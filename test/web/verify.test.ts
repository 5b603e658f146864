import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { initHome } from '@mintmark/app'
import { hashFile } from '@mintmark/storage'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey } from '../../apps/server/src/index.js'
import { rand, serve } from '../../apps/server/test/helpers.js'
import { repoRoot } from '../helpers/cli.js'
import { type WebFixture, aiTemplate, fileFor, openPage, openWebFixture, registerUpload, sampleImage, screenshot, verdictOf, wait } from './helpers.js'

// The Verify page in a real chromium against a real server and SQLite home: the browser hashes
// the file itself and verifies the record with @mintmark/core.

const bridge = path.resolve(repoRoot, '..', 'shared', 'testdata', 'pdq', 'bridge-1-original.jpg')

let web: WebFixture
let work: string

beforeAll(async () => {
  web = await openWebFixture('mintmark-web-verify-')
  work = web.env.work
})
afterAll(() => web?.close())

/** Drops files on the drop zone the way a person does: a real `drop` event carrying a DataTransfer. */
async function dropFiles(page: Page, files: { name: string; type: string; bytes: Uint8Array }[]) {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: Buffer.from(f.bytes).toString('base64') }))
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer()
    for (const f of items) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }))
    return dt
  }, payload)
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer })
}

const checkStatus = (page: Page, code: string) => page.locator(`.check[data-code="${code}"]`).first().getAttribute('data-status')

describe('verify in the browser', () => {
  it('a dropped registered file is verified in the browser, each check in words', async () => {
    const png = await sampleImage(1)
    const reg = await registerUpload(web.server.url, web.token, png, aiTemplate('Fox at dusk'), 'fox.png')
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/`)
    await expect.poll(() => page.locator('h1').textContent(), wait).toBe('Verify a file')
    await dropFiles(page, [{ name: 'fox.png', type: 'image/png', bytes: png }])
    expect(await verdictOf(page)).toBe('verified')
    expect(await page.locator('[data-testid="file-cid"]').textContent()).toBe(reg.cid)
    for (const code of ['CONTENT_ADDRESS', 'STATEMENT_SIGNATURE', 'LOG_INCLUSION', 'CHECKPOINT_SIGNATURE', 'LOG_KEY_TRUSTED', 'LOG_CONSISTENT']) expect(await checkStatus(page, code), code).toBe('pass')
    await expect.poll(() => page.locator('.check[data-code="CONTENT_ADDRESS"] .check-title').textContent(), wait).toContain('This is the registered file')
    await expect.poll(() => page.locator('.badge[data-verdict="verified"]').textContent(), wait).toMatch(/Verified/)
    await expect.poll(() => page.locator('.result').textContent(), wait).toContain('Fox at dusk')
    await screenshot(page, 'verify-verified')
    expect(errors).toEqual([])
    await page.close()
  })

  it('computes the CLI’s CID for multi-chunk files, under the default and the legacy (kubo) profile', async () => {
    const bytes = rand(2 * 1024 * 1024 + 300_000) // 3 chunks of 1 MiB, 10 of 256 KiB
    const file = path.join(work, 'big.bin')
    await fsp.writeFile(file, bytes)
    const reg = await registerUpload(web.server.url, web.token, bytes, aiTemplate('Big binary'), 'big.bin')
    const cli = await hashFile(file, { profile: 'unixfs-v1-2025' })
    expect(reg.cid).toBe(cli.cid)
    expect(cli.cid.startsWith('bafybei')).toBe(true) // a dag-pb root: really more than one chunk

    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/verify`)
    await page.setInputFiles('#drop-zone input[type=file]', fileFor('big.bin', 'application/octet-stream', bytes))
    expect(await verdictOf(page)).toBe('verified')
    expect(await page.locator('[data-testid="file-cid"]').textContent()).toBe(cli.cid)

    // A home on the legacy profile: the page misses with the default CID, re-hashes with 256 KiB
    // chunks and finds the record.
    const legacyHome = path.join(work, 'legacy', '.mintmark')
    await initHome({ home: legacyHome, profile: 'kubo-v1' })
    const legacyToken = (await createApiKey({ home: legacyHome, principal: (await initHome({ home: legacyHome })).creator, scopes: ['assets:write'] })).token
    const legacy = await serve(legacyHome)
    try {
      const kubo = await hashFile(file, { profile: 'kubo-v1' })
      expect(kubo.cid).not.toBe(cli.cid)
      const legacyReg = await registerUpload(legacy.url, legacyToken, bytes, aiTemplate('Big binary, legacy'), 'big.bin')
      expect(legacyReg.cid).toBe(kubo.cid)
      await page.goto(`${legacy.url}/verify`)
      await page.setInputFiles('#drop-zone input[type=file]', fileFor('big.bin', 'application/octet-stream', bytes))
      expect(await verdictOf(page)).toBe('verified')
      expect(await page.locator('[data-testid="file-cid"]').textContent()).toBe(kubo.cid)
    } finally {
      await legacy.close()
    }
    expect(errors).toEqual([])
    await page.close()
  })

  it('a tampered copy fails against its record: with its bundle dropped next to it, and from the asset’s “check a copy” link', async () => {
    const png = await sampleImage(2)
    const reg = await registerUpload(web.server.url, web.token, png, aiTemplate('Original harbour'), 'harbour.png')
    const tampered = new Uint8Array(png)
    const middle = Math.floor(tampered.length / 2)
    for (let i = middle; i < middle + 16; i++) tampered[i] = (tampered[i] as number) ^ 0xff
    const bundle = new Uint8Array(await (await fetch(`${web.server.url}/v1/assets/${reg.cid}/bundle`)).arrayBuffer())

    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/verify`)
    await dropFiles(page, [
      { name: 'harbour.png', type: 'image/png', bytes: tampered },
      { name: 'harbour.bundle.json', type: 'application/json', bytes: bundle },
    ])
    expect(await verdictOf(page)).toBe('failed')
    expect(await checkStatus(page, 'CONTENT_ADDRESS')).toBe('fail')
    expect(await checkStatus(page, 'STATEMENT_SIGNATURE')).toBe('pass') // the record itself is intact
    await expect.poll(() => page.locator('.verdict-headline').textContent(), wait).toBe('This file is not the registered file: its content was changed.')
    await screenshot(page, 'verify-tampered')

    await page.goto(`${web.server.url}/verify?cid=${reg.cid}`)
    await expect.poll(() => page.locator('.notice').textContent(), wait).toContain('Checking your file against the record')
    await page.setInputFiles('#drop-zone input[type=file]', fileFor('harbour.png', 'image/png', tampered))
    expect(await verdictOf(page)).toBe('failed')
    expect(await checkStatus(page, 'CONTENT_ADDRESS')).toBe('fail')
    expect(errors).toEqual([])
    await page.close()
  })

  it('a re-encoded copy has no exact record: its original is shown as a candidate, labelled as such, its record verified in the browser', async () => {
    const original = new Uint8Array(await fsp.readFile(bridge))
    const reg = await registerUpload(web.server.url, web.token, original, aiTemplate('Bridge'), 'bridge.jpg')
    const reencoded = new Uint8Array(await sharp(original).jpeg({ quality: 70 }).toBuffer())
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/verify`)
    await dropFiles(page, [{ name: 'bridge-q70.jpg', type: 'image/jpeg', bytes: reencoded }])
    expect(await verdictOf(page)).toBe('unknown')
    const candidate = page.locator(`.candidate[data-evidence="fingerprint"][data-cid="${reg.cid}"]`)
    await candidate.waitFor({ state: 'visible' })
    await expect.poll(() => candidate.locator('.tag').textContent(), wait).toBe('Candidate')
    await expect.poll(() => candidate.locator('.badge').getAttribute('data-verdict'), wait).toBe('verified')
    await expect.poll(() => page.locator('.candidates').textContent(), wait).toContain('leads, not verified matches')
    expect(await checkStatus(page, 'RECORD_FOUND')).toBe('skip')
    expect(await checkStatus(page, 'FINGERPRINT_MATCH')).toBe('pass')
    await screenshot(page, 'verify-candidate')
    await candidate.locator('a').last().click()
    await page.waitForURL(`${web.server.url}/assets/${reg.cid}`)
    await expect.poll(() => page.locator('h1').textContent(), wait).toBe('Bridge')
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows user strings as text: a title holding <script> and markup is never run or parsed', async () => {
    const hostile = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"><b>bold</b>'
    const png = await sampleImage(3)
    const reg = await registerUpload(web.server.url, web.token, png, aiTemplate(hostile, { description: '<iframe src="javascript:alert(1)"></iframe> & <a href="javascript:alert(2)">x</a>' }), 'x.png')
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/assets/${reg.cid}`)
    await expect.poll(() => page.locator('h1').textContent(), wait).toBe(hostile)
    await expect.poll(() => page.locator('.asset').textContent(), wait).toContain('<iframe src="javascript:alert(1)"></iframe>')
    const injected = await page.evaluate(() => ({
      pwned: (window as { __pwned?: number }).__pwned,
      scripts: document.querySelectorAll('main script').length,
      imgs: document.querySelectorAll('main img[src="x"]').length,
      bolds: document.querySelectorAll('main b').length,
      iframes: document.querySelectorAll('iframe').length,
    }))
    expect(injected).toEqual({ pwned: undefined, scripts: 0, imgs: 0, bolds: 0, iframes: 0 })
    // The same record on the verify page.
    await page.goto(`${web.server.url}/verify`)
    await dropFiles(page, [{ name: 'x.png', type: 'image/png', bytes: png }])
    expect(await verdictOf(page)).toBe('verified')
    await expect.poll(() => page.locator('.result .card dd').first().textContent(), wait).toBe(hostile)
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined()
    await screenshot(page, 'verify-escaped-title')
    expect(errors).toEqual([])
    await page.close()
  })
})
