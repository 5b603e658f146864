import { existsSync } from 'node:fs'
import type { KeyObject } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { type ResourceLimits, Worker } from 'node:worker_threads'
import { type CidProfileName, type Did, MintmarkError, isErrorCode } from '@mintmark/core'
import type { AssetFacts, MediaEvidence, RegisterTemplate } from './prepare-asset.js'

/** Main → worker: the files of one batch and each one's `createdAt` (taken from the app's clock). */
export type PrepareBatch = { id: number; files: string[]; createdAt: string[] }

/** A file prepared by the worker; its byte arrays arrive transferred, not copied. */
export type PreparedFile =
  | {
      kind: 'small'
      file: string
      createdAt: string
      asset: AssetFacts
      bytes: Uint8Array
      statementHash: Uint8Array
      leafData: Uint8Array
      leafHash: Uint8Array
      evidence?: MediaEvidence
    }
  /** Too large to hold: the main thread streams it through the blob store. */
  | { kind: 'large'; file: string; createdAt: string }

export type SerializedError = { code: string; shortMessage: string; details?: string | undefined; fields?: string[] | undefined; metaMessages?: string[] | undefined }

/** Worker → main: the batch's files in order, up to the first that failed (then `error`). */
export type PreparedBatch = { id: number; results: PreparedFile[]; error?: SerializedError }

/** A worker-side failure as plain data (errors lose their class between threads). */
export function serializeError(error: unknown, file?: string): SerializedError {
  if (error instanceof MintmarkError)
    return { code: error.code, shortMessage: error.shortMessage, details: error.details, fields: error.fields, metaMessages: error.metaMessages }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code
  if (file !== undefined && typeof errno === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string') {
    if (errno === 'ENOENT') return { code: 'FILE_NOT_FOUND', shortMessage: `No such file: ${file}` }
    return { code: 'FILE_UNREADABLE', shortMessage: `Cannot read ${file} (${errno}).` }
  }
  return {
    code: 'REGISTER_WORKER_FAILED',
    shortMessage: 'The register worker thread failed while preparing a file.',
    details: error instanceof Error ? error.message : String(error),
  }
}

export function deserializeError(e: SerializedError): MintmarkError {
  const options = { details: e.details, fields: e.fields, metaMessages: e.metaMessages }
  if (isErrorCode(e.code)) return new MintmarkError(e.code, e.shortMessage, options)
  return new MintmarkError('REGISTER_WORKER_FAILED', e.shortMessage, options)
}

/** The built worker script: next to this module, or (running from the TypeScript sources) in dist/. */
export function registerWorkerScript(): URL | undefined {
  for (const candidate of ['./register-worker.js', '../dist/register-worker.js']) {
    const url = new URL(candidate, import.meta.url)
    if (existsSync(fileURLToPath(url))) return url
  }
  return undefined
}

/**
 * This process's Node flags minus export conditions: the worker script is built JavaScript, and a
 * `development` condition (the tests run the TypeScript sources) would point its imports at .ts.
 */
function builtExecArgv(): string[] {
  const out: string[] = []
  const args = process.execArgv
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--conditions' || a === '-C') i++
    else if (!a.startsWith('--conditions=')) out.push(a)
  }
  return out
}

export type PrepareWorker = {
  /** Prepares a batch; rejects with REGISTER_WORKER_FAILED when the thread dies or cannot start. */
  prepare(files: string[], createdAt: string[]): Promise<PreparedBatch>
  close(): Promise<void>
}

/**
 * Starts register's preparing thread. The signing key is passed as a KeyObject in memory (Node
 * clones it into the thread; it is never exported or written).
 */
export function openPrepareWorker(init: {
  template: RegisterTemplate
  did: Did
  key: KeyObject
  profile?: CidProfileName | undefined
  resourceLimits?: ResourceLimits | undefined
}): PrepareWorker {
  const script = registerWorkerScript()
  if (!script) throw new MintmarkError('REGISTER_WORKER_FAILED', 'The register worker script is missing (build the app package).')
  const { resourceLimits, ...data } = init
  const worker = new Worker(script, { workerData: data, execArgv: builtExecArgv(), ...(resourceLimits ? { resourceLimits } : {}) })
  const waiting = new Map<number, { resolve: (b: PreparedBatch) => void; reject: (e: unknown) => void }>()
  let dead: MintmarkError | undefined
  let closing = false
  const fail = (error: MintmarkError) => {
    dead ??= error
    for (const w of waiting.values()) w.reject(dead)
    waiting.clear()
  }
  worker.on('message', (m: PreparedBatch) => {
    const w = waiting.get(m.id)
    waiting.delete(m.id)
    w?.resolve(m)
  })
  worker.on('error', (cause: Error) =>
    fail(new MintmarkError('REGISTER_WORKER_FAILED', 'The register worker thread failed.', { cause, details: cause.message })),
  )
  worker.on('exit', (code) => {
    if (!closing) fail(new MintmarkError('REGISTER_WORKER_FAILED', `The register worker thread exited unexpectedly (code ${code}).`))
  })
  let next = 0
  return {
    prepare(files, createdAt) {
      if (dead) return Promise.reject(dead)
      const id = next++
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        worker.postMessage({ id, files, createdAt } satisfies PrepareBatch)
      })
    },
    async close() {
      closing = true
      await worker.terminate()
    },
  }
}
