import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'

export const repoRoot = path.resolve(import.meta.dirname, '../..')
export const cliBin = path.join(repoRoot, 'apps/cli/bin/mintmark.js')

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the built CLI as a real process (the way a user runs it). */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    if (opts.input !== undefined) child.stdin.end(opts.input)
    else child.stdin.end()
  })
}

/** Starts the CLI and returns the child, for tests that kill it mid-flight. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [cliBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Runs the built CLI with `--json` and parses what it prints (a clear error when that is not JSON). */
export async function runCliJson(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult & { body: any }> {
  const r = await runCli([...args, '--json'], opts)
  let body: any
  try {
    body = JSON.parse(r.stdout)
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`)
  }
  return { ...r, body }
}

/** Resolves with the JSON document `mintmark serve --json` prints once it listens; rejects if it exits first. */
export function serveListening(c: ChildProcess): Promise<{ url: string }> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    c.stderr?.on('data', (d) => (err += d))
    c.stdout?.on('data', (d) => {
      out += d
      try {
        resolve(JSON.parse(out) as { url: string })
      } catch {
        // not complete yet
      }
    })
    c.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
  })
}
