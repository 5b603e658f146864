import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/cli.js'
import { type WebFixture, aiTemplate, openPage, openWebFixture, sampleImage, screenshot, textOf, wait } from './helpers.js'

// Asset, lineage, search and log pages in a real chromium against a real server: content,
// click-through lineage, URL-addressable search, consistency checked in the browser, and the
// quality bar (keyboard, phone width, no layout shift, contrast).

let web: WebFixture
const cids = { dataset: '', parent: '', child: '', grandchild: '', other: '', c2pa: '' }
const cJpg = path.resolve(repoRoot, '..', 'shared', 'testdata', 'c2pa', 'C.jpg')

beforeAll(async () => {
  web = await openWebFixture('mintmark-web-explore-')
  const up = web.register
  cids.dataset = await up(new TextEncoder().encode('label,url\nfox,https://example.org/fox.jpg\n'), { digitalSourceType: 'digitalCapture', license: { spdx: 'CC0-1.0' }, title: 'Foxes dataset' }, 'foxes.csv')
  cids.parent = await up(await sampleImage(11), aiTemplate('Red fox, original', { datasets: [{ cid: cids.dataset, name: 'Foxes dataset' }] }), 'parent.png')
  cids.child = await up(
    await sampleImage(12),
    aiTemplate('Red fox, retouched', {
      digitalSourceType: 'compositeWithTrainedAlgorithmicMedia',
      parents: [{ cid: cids.parent, relation: 'parentOf', title: 'Red fox, original' }],
      datasets: [{ cid: cids.dataset, name: 'Foxes dataset' }],
      edits: [
        { action: 'c2pa.color_adjustments', actor: 'human', description: 'Warmer light by hand' },
        { action: 'c2pa.edited', actor: 'ai', softwareAgent: { name: 'inpaint', version: '2' } },
      ],
      license: { custom: { commercialUse: false, derivatives: true, aiTraining: 'notAllowed', uri: 'javascript:alert(1)' } },
    }),
    'child.png',
  )
  cids.grandchild = await up(await sampleImage(13), aiTemplate('Red fox poster', { parents: [{ cid: cids.child, relation: 'componentOf' }] }), 'poster.png')
  cids.other = await up(await sampleImage(14), { digitalSourceType: 'digitalCapture', license: { spdx: 'CC-BY-4.0' }, title: 'Harbour at night' }, 'harbour.png')
  cids.c2pa = await up(new Uint8Array(await fsp.readFile(cJpg)), { digitalSourceType: 'algorithmicMedia', license: { spdx: 'CC-BY-4.0' }, title: 'Signed elsewhere' }, 'C.jpg')
})
afterAll(() => web?.close())

/** Clicks a node of the lineage graph where it is drawn (a real click on the canvas). */
async function clickGraphNode(page: Page, cid: string) {
  await page.locator('#lineage-graph[data-state="ready"]').waitFor()
  await page.locator('#lineage-graph').scrollIntoViewIfNeeded()
  // Let the scroll events reach cytoscape (it caches the canvas position between scrolls).
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  const pos = await page.evaluate((id) => {
    const el = document.getElementById('lineage-graph') as HTMLElement & { cy?: { getElementById(id: string): { renderedPosition(): { x: number; y: number } } } }
    const p = el.cy?.getElementById(id).renderedPosition()
    const box = el.getBoundingClientRect()
    return p ? { x: box.left + p.x, y: box.top + p.y } : undefined
  }, cid)
  if (!pos) throw new Error(`node ${cid} is not in the graph`)
  await page.mouse.click(pos.x, pos.y)
}

describe('asset pages and lineage', () => {
  it('shows how an asset was made, its licence in words and its record verified, then clicks through its lineage graph', async () => {
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/assets/${cids.child}`)
    await textOf(page, 'h1').toBe('Red fox, retouched')
    await textOf(page, '#made-by + dl').toContain('fluxish version 1.2')
    await textOf(page, '.prompt').toBe('a red fox in the snow, golden hour')
    await textOf(page, '.asset').toContain('Foxes dataset')
    await textOf(page, '.edits li[data-actor="human"]').toContain('Warmer light by hand')
    await textOf(page, '.edits li[data-actor="ai"]').toContain('with inpaint 2')
    await textOf(page, '#licence-title + p').toContain('no commercial use')
    // A javascript: terms URL is shown as text, never as a link.
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0)
    await expect.poll(() => page.locator('[data-record-verdict]').getAttribute('data-record-verdict'), wait).toBe('verified')
    await textOf(page, '#offers-title + p').toBe('No licence offers for this asset.')
    await page.locator('#lineage-graph[data-state="ready"]').waitFor()
    await screenshot(page, 'asset')

    // The graph: parent, grandchild, dataset and model are nodes; clicking one opens it.
    const nodes = await page.evaluate(() => (document.getElementById('lineage-graph') as HTMLElement & { cy?: { nodes(): { map(f: (n: { id(): string }) => string): string[] } } }).cy?.nodes().map((n) => n.id()))
    expect(nodes).toEqual(expect.arrayContaining([cids.child, cids.parent, cids.grandchild, cids.dataset, 'model:fluxish@1.2']))
    await clickGraphNode(page, cids.parent)
    await page.waitForURL(`${web.server.url}/assets/${cids.parent}`)
    await textOf(page, 'h1').toBe('Red fox, original')
    // Back down through the accessible list, then to the grandchild through the graph.
    await page.locator(`[data-testid="children"] a[href="/assets/${cids.child}"]`).click()
    await page.waitForURL(`${web.server.url}/assets/${cids.child}`)
    await clickGraphNode(page, cids.grandchild)
    await page.waitForURL(`${web.server.url}/assets/${cids.grandchild}`)
    await textOf(page, 'h1').toBe('Red fox poster')
    await textOf(page, '[data-testid="parents"]').toContain('contains')
    await page.goBack()
    await page.waitForURL(`${web.server.url}/assets/${cids.child}`)
    await textOf(page, 'h1').toBe('Red fox, retouched')
    await screenshot(page, 'asset-lineage')
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows the C2PA Content Credentials a registered file carried, as imported evidence', async () => {
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/assets/${cids.c2pa}`)
    await textOf(page, 'h1').toBe('Signed elsewhere')
    await expect.poll(() => page.locator('.c2pa').getAttribute('data-valid'), wait).toBe('true')
    await textOf(page, '.c2pa').toContain('make_test_images')
    await textOf(page, '.c2pa').toContain('not part of this log’s signed record')
    await screenshot(page, 'asset-c2pa')
    expect(errors).toEqual([])
    await page.close()
  })

  it('loads the graph library only on the lineage view', async () => {
    const { page, errors } = await openPage(web.context)
    const scripts: string[] = []
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(r.url())
    })
    await page.goto(`${web.server.url}/search`)
    await page.locator('[data-testid="results"]').waitFor()
    expect(scripts.some((s) => s.includes('cytoscape'))).toBe(false)
    await page.locator(`[data-cid="${cids.child}"] a`).click()
    await page.locator('#lineage-graph[data-state="ready"]').waitFor()
    expect(scripts.some((s) => s.includes('cytoscape'))).toBe(true)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('search', () => {
  it('puts the API’s filters in a form and the query in the URL; a URL opens the same results', async () => {
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/search`)
    await page.locator('[data-testid="results"]').waitFor()
    await expect.poll(() => page.locator('[data-testid="results"] .tile').count(), wait).toBe(6)
    await page.fill('input[name="q"]', 'fox')
    await page.locator('details summary', { hasText: 'Filters' }).click()
    await page.selectOption('select[name="source"]', 'ai')
    await page.click('button[type="submit"]')
    await page.waitForURL(/\/search\?q=fox&source=ai$/)
    // The retouched child is a composite (human + AI), not "ai": two of the three foxes.
    await expect.poll(() => page.locator('[data-testid="results"] .tile').count(), wait).toBe(2)
    const found = await page.locator('[data-testid="results"] .tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-cid')).sort())
    expect(found).toEqual([cids.parent, cids.grandchild].sort())
    await screenshot(page, 'search')
    // The same URL in a fresh page: the form and the results come back.
    const { page: again } = await openPage(web.context)
    await again.goto(page.url())
    await expect.poll(() => again.locator('[data-testid="results"] .tile').count(), wait).toBe(2)
    expect(await again.inputValue('input[name="q"]')).toBe('fox')
    expect(await again.inputValue('select[name="source"]')).toBe('ai')
    // A bad filter value is the API's coded problem, in words.
    await again.goto(`${web.server.url}/search?minWidth=-5`)
    await textOf(again, '.notice-error').toContain('INPUT_INVALID')
    expect(errors).toEqual([])
    await page.close()
    await again.close()
  })
})

describe('log', () => {
  it('shows the latest checkpoint verified in the browser and checks consistency between two sizes', async () => {
    const { page, errors } = await openPage(web.context)
    await page.goto(`${web.server.url}/log`)
    await textOf(page, '[data-testid="checkpoint-signature"]').toContain('Verified in this browser')
    const size = Number(await page.locator('[data-testid="tree-size"]').textContent())
    expect(size).toBe(6)
    await page.fill('input[name="from"]', '2')
    await page.fill('input[name="to"]', String(size))
    await page.click('#consistency-title ~ form button[type="submit"]')
    await expect.poll(() => page.locator('[data-testid="consistency-result"]').getAttribute('data-ok'), wait).toBe('true')
    await textOf(page, '[data-testid="consistency-result"]').toContain('new root from the signed checkpoint')
    await screenshot(page, 'log')
    // The page remembers the checkpoint it verified; the next visit checks the log only grew since.
    await page.reload()
    await textOf(page, '#checkpoint-title ~ .notice-ok').toContain('Since your last visit')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('quality', () => {
  it('is keyboard reachable: skip link, navigation, the file picker and the graph controls', async () => {
    const { page } = await openPage(web.context)
    await page.goto(`${web.server.url}/verify`)
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    const reached: string[] = []
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab')
      reached.push(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type || document.activeElement?.textContent || ''))
    }
    expect(reached).toEqual(expect.arrayContaining(['Verify', 'Search', 'Dashboard', 'Log', 'file']))
    // Focus is visible on the drop zone when its input has focus.
    await page.locator('#drop-zone input').focus()
    const outline = await page.evaluate(() => getComputedStyle(document.getElementById('drop-zone') as HTMLElement).outlineStyle)
    expect(outline).toBe('solid')
    // Enter on a nav link navigates, and focus lands on the new page's heading.
    await page.locator('nav a', { hasText: 'Search' }).focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(`${web.server.url}/search`)
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), wait).toBe('page-title')
    // The graph's zoom controls are buttons: Enter on "Zoom in" zooms the graph.
    await page.goto(`${web.server.url}/assets/${cids.child}`)
    await page.locator('#lineage-graph[data-state="ready"]').waitFor()
    const zoom = () => page.evaluate(() => (document.getElementById('lineage-graph') as HTMLElement & { cy?: { zoom(): number } }).cy?.zoom() ?? 0)
    const before = await zoom()
    await page.locator('button', { hasText: 'Zoom in' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(zoom, wait).toBeGreaterThan(before)
    await page.close()
  })

  it('fits a phone screen, does not shift while loading, and keeps text contrast at WCAG AA', async () => {
    const phone = await web.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })
    const { page, errors } = await openPage(phone)
    for (const [name, p] of [
      ['phone-verify', '/verify'],
      ['phone-asset', `/assets/${cids.child}`],
      ['phone-search', '/search'],
      ['phone-log', '/log'],
    ] as const) {
      await page.goto(`${web.server.url}${p}`)
      await page.locator('h1').waitFor()
      await page.waitForLoadState('networkidle')
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow, `${p} scrolls sideways`).toBeLessThanOrEqual(0)
      await screenshot(page, name)
    }
    // Layout shift of the asset page while its parts load (Chromium's layout-shift entries).
    const desktop = await openPage(web.context)
    await desktop.page.goto(`${web.server.url}/assets/${cids.child}`)
    await desktop.page.locator('#lineage-graph[data-state="ready"]').waitFor()
    await desktop.page.waitForLoadState('networkidle')
    const cls = await desktop.page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let sum = 0
          new PerformanceObserver((list) => {
            for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!e.hadRecentInput) sum += e.value
          }).observe({ type: 'layout-shift', buffered: true })
          setTimeout(() => resolve(sum), 300)
        }),
    )
    expect(cls).toBeLessThan(0.1)
    // Contrast of text against its background, for the kinds of text on the page.
    const ratios = await desktop.page.evaluate(() => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number)
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * f(r as number) + 0.7152 * f(g as number) + 0.0722 * f(b as number)
      }
      const bgOf = (el: Element | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor)
          if (c.length === 3 || (c[3] ?? 0) > 0) return c.slice(0, 3)
        }
        return [255, 255, 255]
      }
      const out: Record<string, number> = {}
      for (const sel of ['h1', 'p', '.muted', 'a', 'dl.facts dt', '.badge', '.tag', 'nav a', '.check-status', 'summary']) {
        const el = document.querySelector(sel)
        if (!el) continue
        const a = lum(rgb(getComputedStyle(el).color))
        const b = lum(bgOf(el))
        out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
      }
      return out
    })
    expect(Object.keys(ratios).length).toBeGreaterThan(6)
    for (const [sel, ratio] of Object.entries(ratios)) expect(ratio, sel).toBeGreaterThanOrEqual(4.5)
    expect(errors).toEqual([])
    expect(desktop.errors).toEqual([])
    await phone.close()
    await desktop.page.close()
  })
})
