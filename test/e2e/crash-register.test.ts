import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { auditStore, initHome, openApp } from '@mintmark/app'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli } from '../helpers/cli.js'

// Issue 2 reliability: kill -9 the CLI at random points during a bulk register of 500 files,
// 50 times. After each kill: every acknowledged record is present and intact, every blob
// re-hashes to its CID, every leaf matches its row, and the root recomputed from the leaves
// equals every signed checkpoint. Acknowledged = a `committed` line the CLI printed.
const KILLS = 50
const FILES = 500

let work: string
let home: string
beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-crash-'))
  home = path.join(work, 'home')
  await initHome({ home })
})
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true })
})

async function makeBatch(i: number): Promise<string> {
  const dir = path.join(work, `batch-${i}`)
  await fsp.mkdir(dir)
  await Promise.all(Array.from({ length: FILES }, (_, k) => fsp.writeFile(path.join(dir, `f${k.toString().padStart(3, '0')}.bin`), randomBytes(2048 + (k % 7) * 512))))
  return dir
}

type Ack = { cid: string; logIndex: number; leafHash: string }

/**
 * Starts a register and SIGKILLs it: `afterFirstAck` arms the timer when the first record is
 * acknowledged (a kill in the middle of ingest); otherwise it counts from process start.
 */
function registerAndKill(dir: string, killAfterMs: number, afterFirstAck: boolean): Promise<{ acks: Ack[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = startCli(['register', dir, '--jsonl', '--home', home])
    const acks: Ack[] = []
    let buf = ''
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        const ev = JSON.parse(line) as { event: string } & Ack
        if (ev.event === 'committed') {
          acks.push({ cid: ev.cid, logIndex: ev.logIndex, leafHash: ev.leafHash })
          if (afterFirstAck && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        }
        nl = buf.indexOf('\n')
      }
    })
    let timer: NodeJS.Timeout | undefined = afterFirstAck ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('error', reject)
    child.on('close', (_code, signal) => {
      clearTimeout(timer)
      resolve({ acks, killed: signal === 'SIGKILL' })
    })
  })
}

describe('kill -9 during bulk register', () => {
  it(`loses and corrupts nothing acknowledged over ${KILLS} kills`, async () => {
    const acknowledged = new Map<string, Ack>()
    let kills = 0
    let lastDir = ''
    for (let i = 0; i < KILLS; i++) {
      const dir = await makeBatch(i)
      lastDir = dir
      // Four in five kills land mid-ingest (0–100 ms after the first acknowledgement: a batch of
      // 500 small files is ingested in a few hundred ms); the rest anywhere from process start-up on.
      const midIngest = i % 5 !== 0
      const { acks, killed } = await registerAndKill(dir, midIngest ? Math.floor(Math.random() * 100) : 50 + Math.floor(Math.random() * 500), midIngest)
      if (killed) kills++
      for (const a of acks) acknowledged.set(a.cid, a)

      const ctx = await openApp({ home })
      try {
        for (const a of acknowledged.values()) {
          const stored = await ctx.store.getEntry(a.logIndex)
          expect(stored?.assetCid, `acknowledged ${a.cid} present at #${a.logIndex}`).toBe(a.cid)
          expect(bytesToHex(stored?.leafHash ?? new Uint8Array())).toBe(a.leafHash)
        }
        await ctx.blobs.cleanTmp()
        const audit = await auditStore(ctx)
        expect(audit.problems).toEqual([])
        // After the restart, the next checkpoint extends the last one and matches the recomputed root.
        if ((await ctx.store.size()) > 0) {
          const cp = await ctx.issueCheckpoint()
          expect(cp.rootHash).toBe(audit.root)
        }
      } finally {
        ctx.close()
      }
      // Every tenth round, finish the interrupted batch: re-running skips what is registered.
      if (i % 10 === 9) {
        const r = await runCli(['register', dir, '--json', '--home', home])
        expect(r.code, r.stderr).toBe(0)
        const out = JSON.parse(r.stdout) as { registered: unknown[]; skipped: unknown[] }
        expect(out.registered.length + out.skipped.length).toBe(FILES)
      }
    }
    // Most runs must really have been interrupted for the test to mean anything.
    expect(kills).toBeGreaterThanOrEqual(KILLS * 0.6)
    const ctx = await openApp({ home })
    try {
      const dirFiles = await fsp.readdir(lastDir)
      expect(dirFiles.length).toBe(FILES)
      expect(acknowledged.size).toBeGreaterThan(0)
      // No asset was registered twice by the same creator despite the re-runs.
      for (const a of acknowledged.values()) expect((await ctx.store.entriesForAsset(a.cid)).length).toBe(1)
    } finally {
      ctx.close()
    }
    console.log(JSON.stringify({ kills, acknowledged: acknowledged.size }))
    // Kills must have landed while records were being acknowledged, not only before start-up.
    expect(acknowledged.size).toBeGreaterThan(KILLS * 5)
  }, 600_000)
})
