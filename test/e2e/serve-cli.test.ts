import type { ChildProcess } from 'node:child_process'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openApp } from '@mintmark/app'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli, startCli, serveListening } from '../helpers/cli.js'

// `mintmark serve` as a user runs it: one process on the embedded defaults (SQLite, filesystem
// blobs, the local dev chain) serving the API with its background workers; SIGTERM stops it
// gracefully with everything acknowledged kept and checkpointed.
let work: string
let env: NodeJS.ProcessEnv
let child: ChildProcess | undefined

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-serve-cli-'))
  env = { MINTMARK_HOME: path.join(work, '.mintmark') }
})
afterAll(async () => {
  child?.kill('SIGKILL')
  await fsp.rm(work, { recursive: true, force: true })
})


it('serves, anchors by itself, and stops on SIGTERM keeping every acknowledged registration', async () => {
  const key = await runCli(['serve', 'api-key', '--json'], { env })
  expect(key.code).toBe(0)
  const { token } = JSON.parse(key.stdout) as { token: string }

  child = startCli(['serve', '--port', '0', '--json', '--anchor-every', '300ms', '--index-every', '300ms'], env)
  const { url } = await serveListening(child)
  const template = Buffer.from(JSON.stringify({ digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } })).toString('base64url')
  const cids: string[] = []
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${url}/v1/assets?filename=a${i}.txt`, {
      method: 'POST',
      body: `asset ${i} served by the CLI\n`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'mintmark-template': template },
    })
    expect(r.status).toBe(201)
    cids.push(((await r.json()) as { cid: string }).cid)
  }

  // The anchorer puts the log on the dev chain without anyone asking.
  const deadline = Date.now() + 60_000
  let health: { logSize: number; workers: { anchorer: { anchoredSize: number; failures: number }; indexer: { runs: number; failures: number } } }
  for (;;) {
    health = (await (await fetch(`${url}/healthz`)).json()) as typeof health
    if (health.workers.anchorer.anchoredSize >= 3 || Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, 200))
  }
  expect(health.logSize).toBe(3)
  expect(health.workers.anchorer.anchoredSize).toBe(3)
  expect(health.workers.anchorer.failures).toBe(0)
  expect(health.workers.indexer.runs).toBeGreaterThan(0)
  const metrics = await (await fetch(`${url}/metrics`)).text()
  expect(metrics).toMatch(/^mintmark_anchor_tree_size 3$/m)

  const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  expect(await exited).toBe(0)
  child = undefined

  const app = await openApp({ home: env.MINTMARK_HOME as string })
  try {
    expect(await app.store.size()).toBe(3)
    for (const cid of cids) expect(await app.store.getAsset(cid)).toBeDefined()
    expect((await app.store.latestCheckpoint())?.size).toBe(3)
    expect((await app.store.listAnchors()).some((a) => a.treeSize === 3 && a.status !== 'pending')).toBe(true)
  } finally {
    await app.close()
  }
})
