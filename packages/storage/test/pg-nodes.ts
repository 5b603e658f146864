// The "API node" processes of the multi-process PostgreSQL tests, seen from the test: each runs
// test/pg-node.mjs over the built package, takes registrations over IPC, queues them durably and
// competes for the sequencer role. Plus the registrations those tests send.
import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import { registrationOf } from './multi-writer-fixture.mjs'

const nodeScript = path.join(import.meta.dirname, 'pg-node.mjs')

export type Item = { n: number; asset: number; creator: string }
export type NodeMsg =
  | { type: 'ready' }
  | { type: 'queued'; id: number; seqs: number[] }
  | { type: 'indexed'; id: number; indices: number[] }
  | { type: 'failed'; id: number; code: string; stage: string }
  | { type: 'role'; event: 'acquired' | 'lost' | 'released'; epoch: number; reason?: string }

/**
 * A node's configuration as the crash tests run it: fast heartbeats and a 1 s takeover, so a killed
 * holder is replaced within the test's time; groups of `batchSize`, a checkpoint per group or 300 ms.
 */
export function nodeConfig(url: string, origin: string, logSeed: Uint8Array, batchSize: number): Record<string, unknown> {
  return {
    url,
    origin,
    logSeedHex: Buffer.from(logSeed).toString('hex'),
    heartbeatMs: 250,
    heartbeatTimeoutMs: 1000,
    retryMs: 100,
    sessionTimeoutMs: 5000,
    idleInTxMs: 5000,
    batchSize,
    checkpointEveryEntries: batchSize,
    checkpointEveryMs: 300,
  }
}

/** A node process and its pending requests; a request settles 'lost' if the process dies first. */
export class Node {
  child!: ChildProcess
  alive = false
  roleEvents: { event: string; epoch: number; reason?: string | undefined; at: number }[] = []
  private waiting = new Map<number, { onQueued(): void; onIndexed(): void; onLost(): void }>()
  constructor(
    readonly id: string,
    private readonly config: Record<string, unknown>,
  ) {}

  start(): Promise<void> {
    const { NODE_OPTIONS, ...env } = process.env
    this.child = fork(nodeScript, [], {
      // A plain node process on the built package: none of vitest's flags (its `development`
      // condition would resolve @mintmark/core to TypeScript sources).
      execArgv: [],
      env: { ...env, MINTMARK_NODE: JSON.stringify({ ...this.config, nodeId: this.id }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.alive = true
    this.child.on('error', () => {})
    const ready = new Promise<void>((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`node ${this.id} exited (${code}) before it was ready`)))
      this.child.on('message', (m: NodeMsg) => {
        if (m.type === 'ready') resolve()
        else if (m.type === 'role') this.roleEvents.push({ event: m.event, epoch: m.epoch, reason: m.reason, at: Date.now() })
        else if (m.type === 'queued') this.waiting.get(m.id)?.onQueued()
        else if (m.type === 'indexed') this.waiting.get(m.id)?.onIndexed()
        else if (m.type === 'failed') this.waiting.get(m.id)?.[m.stage === 'queue' ? 'onLost' : 'onIndexed']()
      })
    })
    this.child.on('exit', () => {
      this.alive = false
      for (const w of this.waiting.values()) w.onLost()
      this.waiting.clear()
    })
    return ready
  }

  /** Resolves 'indexed', or 'queued-then-lost' (acknowledged, node died), or 'lost' (never acknowledged). */
  register(id: number, items: Item[], onAck: () => void): Promise<'indexed' | 'queued-then-lost' | 'lost'> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve('lost')
      let acked = false
      const done = (r: 'indexed' | 'queued-then-lost' | 'lost') => {
        this.waiting.delete(id)
        resolve(r)
      }
      this.waiting.set(id, {
        onQueued: () => {
          acked = true
          onAck()
        },
        onIndexed: () => done('indexed'),
        onLost: () => done(acked ? 'queued-then-lost' : 'lost'),
      })
      // A node that just died: the send fails (EPIPE), and the request was never acknowledged.
      this.child.send({ type: 'register', id, items }, (error) => {
        if (error) done(acked ? 'queued-then-lost' : 'lost')
      })
    })
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  async stop(): Promise<void> {
    if (!this.alive) return
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    if (this.alive) this.child.kill('SIGKILL')
  }
}

export const itemOf = (n: number): Item =>
  // Every 10th registration is a second creator's claim on the asset registered 5 before it.
  n % 10 === 9 ? { n, asset: n - 5, creator: 'did:key:second' } : { n, asset: n, creator: `did:key:first${n % 4}` }
export const statementHex = (n: number): string => Buffer.from(registrationOf(itemOf(n)).statementHash).toString('hex')
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

