import { MintmarkError, errorCodes } from '@mintmark/core'

/** Where a command writes: stdout for results, stderr for messages and progress. */
export type Io = {
  stdout: (text: string) => void
  stderr: (text: string) => void
  isTTY: boolean
  env: NodeJS.ProcessEnv
  cwd: string
}

export const processIo = (): Io => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
  cwd: process.cwd(),
})

/** Exit codes by class: 0 ok, 1 verification did not succeed, 2 bad input or usage, 3 internal or I/O. */
export const exitCodes = { ok: 0, notVerified: 1, usage: 2, internal: 3 } as const

/** The problem object (RFC 9457 fields plus our code) printed for --json, the same the HTTP API sends. */
export function toProblem(error: unknown) {
  const e: MintmarkError = error instanceof MintmarkError ? error : new MintmarkError('INTERNAL', 'An unexpected error occurred.', { cause: error })
  return {
    type: `https://mintmark.dev/docs/reference/errors#${e.code.toLowerCase()}`,
    title: e.shortMessage,
    status: errorCodes[e.code].status,
    code: e.code,
    ...(e.details ? { detail: e.details } : {}),
    ...(e.fields ? { fields: e.fields } : {}),
  }
}

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof MintmarkError)) return exitCodes.internal
  const e: MintmarkError = error
  return errorCodes[e.code].status >= 500 ? exitCodes.internal : exitCodes.usage
}

export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`)
}
