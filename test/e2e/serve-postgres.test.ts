import type { ChildProcess } from 'node:child_process'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { verifyOffline } from '@mintmark/app'
import {
  type CompactRange,
  appendLeaves,
  consistencyProofPlan,
  compactRangeRoot,
  createEd25519NoteVerifier,
  decodeLogEntry,
  emptyCompactRange,
  openNote,
  parseCheckpoint,
  verifyConsistencyProof,
  verifyInclusionProof,
} from '@mintmark/core'
import { type PostgresLogStore, createPostgresLogStore } from '@mintmark/storage/postgres'
import { hexToBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Keypair, newKeypair, rand, signedPost, signedStatementFor } from '../../apps/server/test/helpers.js'
import { runCli, startCli, serveListening } from '../helpers/cli.js'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../helpers/postgres.js'

// Issue 7, as deployed: several `mintmark serve` processes (the built CLI) on one PostgreSQL
// database and one blob location (the shared home), registering concurrently; one node is
// killed with SIGKILL mid-load. Everything acknowledged must be in the log exactly once, readable
// and provable from any other node, in one tree whose checkpoints are consistent with each other.
const run = postgresOrSkipNotice('mintmark serve on PostgreSQL (e2e)')
const NODES = 3
const SIGNED = 240 // registrations signed by their creators (RFC 9421), spread over the nodes
const UPLOADS = 30 // raw uploads with an API key (the operator's key signs; blobs in the shared home)

let pgServer: TestPostgres
let db: Awaited<ReturnType<TestPostgres['createDatabase']>>
let work: string
let env: NodeJS.ProcessEnv
const nodes: { child: ChildProcess; url: string; alive: boolean }[] = []


beforeAll(async () => {
  if (!run) return
  pgServer = await startTestPostgres()
  db = await pgServer.createDatabase()
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-serve-pg-'))
  env = { MINTMARK_HOME: path.join(work, '.mintmark'), MINTMARK_DATABASE_URL: db.url }
  const init = await runCli(['init', '--json'], { env })
  expect(init.code, init.stderr).toBe(0)
  for (let i = 0; i < NODES; i++) {
    const child = startCli(['serve', '--port', '0', '--json', '--no-workers'], env)
    nodes.push({ child, url: (await serveListening(child)).url, alive: true })
  }
}, 180_000)

afterAll(async () => {
  for (const n of nodes) n.child.kill('SIGKILL')
  await db?.drop().catch(() => {})
  await pgServer?.stop()
  if (work) await fsp.rm(work, { recursive: true, force: true })
})

type Ack = { cid: string; logIndex: number; leafHash: string; node: number }

describe.skipIf(!run)('mintmark serve on PostgreSQL', () => {
  it('N nodes register concurrently, one is killed mid-load; every acknowledged registration is in one consistent log exactly once', async () => {
    const key = await runCli(['serve', 'api-key', '--json'], { env })
    expect(key.code, key.stderr).toBe(0)
    const { token } = JSON.parse(key.stdout) as { token: string }
    const creators: Keypair[] = [newKeypair(), newKeypair(), newKeypair()]

    // Every node answers; exactly one holds the sequencer role.
    const roles = await Promise.all(nodes.map(async (n) => ((await (await fetch(`${n.url}/healthz`)).json()) as { sequencer?: { role: string } }).sequencer?.role))
    expect(roles.every((r) => r === 'holder' || r === 'candidate')).toBe(true)
    expect(roles.filter((r) => r === 'holder')).toHaveLength(1)
    // The node to kill: the sequencer holder, so the role must move while clients keep registering.
    const victim = roles.indexOf('holder')

    // The work: signed statements and raw uploads, each sent to a node in turn; a request that
    // fails on its transport (the killed node) is retried on the next live node.
    type Job = { kind: 'signed'; body: unknown; who: Keypair; cid: string } | { kind: 'upload'; bytes: Uint8Array }
    const jobs: Job[] = []
    for (let i = 0; i < SIGNED; i++) {
      const who = creators[i % creators.length] as Keypair
      const bytes = rand(64)
      const signed = await signedStatementFor(who, bytes)
      jobs.push({ kind: 'signed', body: signed, who, cid: signed.statement.asset.cid })
    }
    for (let i = 0; i < UPLOADS; i++) jobs.push({ kind: 'upload', bytes: new TextEncoder().encode(`upload ${i} ${Buffer.from(rand(16)).toString('hex')}\n`) })
    jobs.sort(() => Math.random() - 0.5)

    const acks: Ack[] = []
    let sent = 0
    let retried = 0
    const killAt = Math.floor(jobs.length / 3)
    let killed = false
    const inFlight = nodes.map(() => 0)
    // kill -9 the holder once a third is acknowledged, at a moment when requests are in flight on it.
    const killer = setInterval(() => {
      if (killed || acks.length < killAt || (inFlight[victim] as number) < 2) return
      killed = true
      nodes[victim]?.child.kill('SIGKILL')
      ;(nodes[victim] as { alive: boolean }).alive = false
    }, 2)
    const send = async (job: Job, n: number): Promise<Response> => {
      const url = nodes[n]?.url as string
      if (job.kind === 'signed') return signedPost(`${url}/v1/assets`, job.who, job.body)
      return fetch(`${url}/v1/assets?filename=u.txt`, {
        method: 'POST',
        body: job.bytes,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'mintmark-template': Buffer.from(JSON.stringify({ digitalSourceType: 'digitalCapture', license: { spdx: 'CC-BY-4.0' } })).toString('base64url') },
      })
    }
    const worker = async (w: number) => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const k = sent++
        let n = (w + k) % NODES
        for (let attempt = 0; ; attempt++) {
          while (!nodes[n]?.alive) n = (n + 1) % NODES
          let r: Response
          let body: { cid: string; logIndex: number; leafHash: string; created: boolean; code?: string }
          const at = n
          inFlight[at] = (inFlight[at] as number) + 1
          try {
            r = await send(job, n)
            body = (await r.json()) as typeof body
          } catch (error) {
            // The node went away (connection refused or reset): not acknowledged, try another.
            if (attempt >= 5) throw error
            retried++
            n = (n + 1) % NODES
            continue
          } finally {
            inFlight[at] = (inFlight[at] as number) - 1
          }
          expect([200, 201], JSON.stringify(body)).toContain(r.status)
          acks.push({ cid: body.cid, logIndex: body.logIndex, leafHash: body.leafHash, node: n })
          break
        }
      }
    }
    const started = Date.now()
    await Promise.all(Array.from({ length: 12 }, (_, w) => worker(w))).finally(() => clearInterval(killer))
    const seconds = (Date.now() - started) / 1000
    expect(killed).toBe(true)
    const total = SIGNED + UPLOADS
    expect(new Set(acks.map((a) => a.cid)).size).toBe(total)
    console.info(`[serve-postgres] ${total} registrations on ${NODES} nodes (the sequencer holder killed after ${killAt} acknowledged) in ${seconds.toFixed(1)} s; ${retried} retried on another node`)

    // Read every asset, its bundle and its proof from a node other than the one that acknowledged it.
    const origin = JSON.parse((await runCli(['init', '--json'], { env })).stdout) as { logKey: string }
    const live = nodes.map((n, i) => (n.alive ? i : -1)).filter((i) => i >= 0)
    const bundleDir = path.join(work, 'bundles')
    await fsp.mkdir(bundleDir)
    for (const [k, a] of acks.entries()) {
      const other = live.find((i) => i !== a.node) ?? (live[0] as number)
      const url = nodes[other]?.url as string
      const record = (await (await fetch(`${url}/v1/assets/${a.cid}`)).json()) as { claims: { logIndex: number; leafHash: string }[] }
      expect(record.claims.map((c) => c.logIndex)).toEqual([a.logIndex])
      expect(record.claims[0]?.leafHash).toBe(a.leafHash)
      // Bundles and proofs for all of them would take minutes under load: every fifth, plus the last.
      if (k % 5 !== 0 && k !== acks.length - 1) continue
      const bundle = await (await fetch(`${url}/v1/assets/${a.cid}/bundle`)).text()
      const file = path.join(bundleDir, `${k}.json`)
      await fsp.writeFile(file, bundle)
      const report = await verifyOffline({ bundlePath: file, trustedLogKeys: [origin.logKey] })
      expect(report.verdict, JSON.stringify(report.checks)).toBe('verified')
      const proof = (await (await fetch(`${url}/v1/log/proofs/inclusion?cid=${a.cid}`)).json()) as { logIndex: number; treeSize: number; leafHash: string; rootHash: string; hashes: string[] }
      expect(verifyInclusionProof({ leafHash: hexToBytes(proof.leafHash), leafIndex: proof.logIndex, treeSize: proof.treeSize, proof: proof.hashes.map(hexToBytes), root: hexToBytes(proof.rootHash) })).toBe(true)
    }

    // Shut the live nodes down (SIGTERM: drain), then check the database itself.
    for (const i of live) nodes[i]?.child.kill('SIGTERM')
    await Promise.all(live.map((i) => new Promise((r) => (nodes[i]?.child.exitCode !== null ? r(undefined) : nodes[i]?.child.once('exit', r)))))
    for (const i of live) expect(nodes[i]?.child.exitCode).toBe(0)

    const store: PostgresLogStore = await createPostgresLogStore({ connectionString: db.url })
    try {
      const size = await store.size()
      const entries = []
      for (let from = 0; from < size; from += 1000) entries.push(...(await store.getEntries(from, Math.min(size, from + 1000))))
      expect(entries.map((e) => e.index)).toEqual(Array.from({ length: size }, (_, i) => i))
      // Exactly once: one entry per acknowledged asset (each asset was registered by one creator), at the acknowledged index.
      const byCid = new Map<string, number[]>()
      for (const e of entries) byCid.set(e.assetCid as string, [...(byCid.get(e.assetCid as string) ?? []), e.index])
      for (const a of acks) expect(byCid.get(a.cid), a.cid).toEqual([a.logIndex])
      expect(size).toBe(total)
      for (const e of entries) expect(decodeLogEntry(e.data).prior ?? []).toEqual([])

      // The tree recomputed from the leaves equals every signed checkpoint at its size, and the latest covers the log.
      const verifier = createEd25519NoteVerifier(origin.logKey)
      const checkpoints = []
      for (let c = await store.checkpointCovering(0); c; c = await store.checkpointCovering(c.size)) checkpoints.push(c)
      expect(checkpoints.length).toBeGreaterThan(1)
      expect(checkpoints.at(-1)?.size).toBe(size)
      let range: CompactRange = emptyCompactRange
      let at = 0
      for (const c of checkpoints) {
        range = appendLeaves(range, entries.slice(at, c.size).map((e) => e.leafHash)).range
        at = c.size
        expect(Buffer.from(compactRangeRoot(range)).toString('hex'), `checkpoint ${c.size}`).toBe(Buffer.from(c.rootHash).toString('hex'))
        const note = parseCheckpoint(openNote(c.note, [verifier]).text)
        expect(note.size).toBe(c.size)
      }
      // And each checkpoint is provably consistent with the one before (proofs from the stored nodes).
      for (let i = 1; i < checkpoints.length; i++) {
        const [a, b] = [checkpoints[i - 1], checkpoints[i]] as [(typeof checkpoints)[number], (typeof checkpoints)[number]]
        const plan = consistencyProofPlan(a.size, b.size)
        const proof = plan.assemble(await store.getNodes(plan.nodes))
        expect(verifyConsistencyProof({ oldSize: a.size, newSize: b.size, oldRoot: a.rootHash, newRoot: b.rootHash, proof }), `${a.size} → ${b.size}`).toBe(true)
      }
      // Several sequencer epochs appended (the killed node's role, if it held it, moved on).
      const state = await store.sequencerState()
      expect(state.size).toBe(size)
    } finally {
      await store.close()
    }
  }, 600_000)

  it('the CLI on the same database: register (through the queue), show, export bundle, verify, log checkpoint/prove/consistency, audit; --watermark is a typed refusal', async () => {
    const cli = (args: string[]) => runCli([...args, '--json'], { env, cwd: work })
    const file = path.join(work, 'cli-asset.txt')
    await fsp.writeFile(file, `registered by the CLI on PostgreSQL ${Buffer.from(rand(8)).toString('hex')}\n`)
    // No server runs now: the CLI's own sequencer takes the role, appends and signs.
    const reg = await cli(['register', file, '--license', 'CC-BY-4.0'])
    expect(reg.code, reg.stderr).toBe(0)
    const registered = (JSON.parse(reg.stdout) as { registered: { cid: string; logIndex: number }[]; checkpoint: { size: number } }).registered[0] as { cid: string; logIndex: number }
    expect(registered.logIndex).toBe(SIGNED + UPLOADS)
    const show = await cli(['show', registered.cid])
    expect(show.code, show.stderr).toBe(0)
    expect((JSON.parse(show.stdout) as { claims: { logIndex: number }[] }).claims.map((c) => c.logIndex)).toEqual([registered.logIndex])
    const bundleFile = path.join(work, 'cli-bundle.json')
    expect((await runCli(['export', 'bundle', registered.cid, '-o', bundleFile], { env, cwd: work })).code).toBe(0)
    const offline = await cli(['verify', file, '--bundle', bundleFile, '--offline'])
    expect(offline.code, offline.stdout).toBe(0)
    const verify = await cli(['verify', file])
    expect(verify.code, verify.stdout).toBe(0)
    const cp = await cli(['log', 'checkpoint'])
    expect(cp.code, cp.stderr).toBe(0)
    const checkpoint = JSON.parse(cp.stdout) as { size: number }
    expect(checkpoint.size).toBe(SIGNED + UPLOADS + 1)
    const prove = await cli(['log', 'prove', registered.cid])
    expect(prove.code, prove.stderr).toBe(0)
    const proof = JSON.parse(prove.stdout) as { logIndex: number; treeSize: number; leafHash: string; rootHash: string; hashes: string[] }
    expect(verifyInclusionProof({ leafHash: hexToBytes(proof.leafHash), leafIndex: proof.logIndex, treeSize: proof.treeSize, proof: proof.hashes.map(hexToBytes), root: hexToBytes(proof.rootHash) })).toBe(true)
    const cons = await cli(['log', 'consistency', '1', String(checkpoint.size)])
    expect(cons.code, cons.stderr).toBe(0)
    const c = JSON.parse(cons.stdout) as { oldSize: number; newSize: number; oldRoot: string; newRoot: string; hashes: string[] }
    expect(verifyConsistencyProof({ oldSize: c.oldSize, newSize: c.newSize, oldRoot: hexToBytes(c.oldRoot), newRoot: hexToBytes(c.newRoot), proof: c.hashes.map(hexToBytes) })).toBe(true)

    // Audit re-derives every leaf, the root and every checkpoint from the database (the signed
    // registrations came without content, so blobs are not checked here).
    const audit = await cli(['audit', '--no-blobs'])
    expect(audit.code, audit.stdout).toBe(0)
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true, entries: SIGNED + UPLOADS + 1, problems: [] })

    // Watermarked registration needs its log index before appending: refused by name, nothing written.
    const jpg = path.join(work, 'wm.png')
    const sharp = (await import('sharp')).default
    await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 120, g: 80, b: 40 } } }).png().toFile(jpg)
    const wm = await cli(['register', jpg, '--watermark', '--license', 'CC-BY-4.0'])
    expect(wm.code).not.toBe(0)
    expect((JSON.parse(wm.stdout) as { error: { code: string; title: string } }).error).toMatchObject({ code: 'STORE_FEATURE_UNSUPPORTED', title: expect.stringContaining('register --watermark') })
    const store = await createPostgresLogStore({ connectionString: db.url })
    try {
      expect(await store.size()).toBe(SIGNED + UPLOADS + 1)
    } finally {
      await store.close()
    }
  }, 300_000)
})
