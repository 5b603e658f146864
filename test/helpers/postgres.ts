// A PostgreSQL server for tests. In order of preference:
//  1. MINTMARK_TEST_PG=postgres://user@host:port/db — an existing server (the role must be allowed
//     to CREATE DATABASE; every test gets its own database, dropped afterwards);
//  2. a throwaway server started from the PostgreSQL binaries (MINTMARK_PG_BIN, else
//     /usr/lib/postgresql/15/bin): initdb into a temp dir, postgres on 127.0.0.1 on a free port
//     with its unix socket in that dir, fsync on; run as the `postgres` OS user when we are root
//     (initdb refuses root); stopped and deleted in teardown;
//  3. neither: the PostgreSQL suites are skipped with a notice saying how to enable them.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

export type TestPostgres = {
  /** A new empty database; `drop()` removes it (connections are closed by force). */
  createDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }>
  /** The server's admin URL (database `postgres`). */
  adminUrl: string
  kind: 'external' | 'throwaway'
  /** Crash controls, for a throwaway server only (an external server is never killed). */
  crash?: CrashControls | undefined
  stop(): Promise<void>
}

/** Ways to crash the throwaway server the way a machine or an operator does (RELIABILITY B5). */
export type CrashControls = {
  /**
   * SIGKILLs one client backend whose application_name starts with `appPrefix` (the postmaster
   * then ends every backend and replays the WAL); resolves with its pid once the server accepts
   * connections again, or undefined when no backend matched.
   */
  killBackend(appPrefix: string): Promise<number | undefined>
  /** SIGKILLs the postmaster, then starts a new one on the same data directory and port (crash recovery); resolves when it is ready. */
  killPostmaster(): Promise<void>
}

const defaultBin = '/usr/lib/postgresql/15/bin'

/** Whether PostgreSQL tests can run here, and a one-line reason for the notice when not. */
export function postgresAvailability(): { available: boolean; reason: string } {
  if (process.env.MINTMARK_TEST_PG) return { available: true, reason: 'MINTMARK_TEST_PG' }
  const bin = process.env.MINTMARK_PG_BIN ?? defaultBin
  if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'postgres'))) return { available: true, reason: bin }
  return {
    available: false,
    reason: `no PostgreSQL: set MINTMARK_TEST_PG=postgres://… (a server whose role may CREATE DATABASE) or install the server binaries (apt-get install postgresql-15, or MINTMARK_PG_BIN=<dir with initdb and postgres>)`,
  }
}

/** Prints the skip notice once per file; returns whether to run. */
export function postgresOrSkipNotice(suite: string): boolean {
  const a = postgresAvailability()
  if (!a.available) console.warn(`\n[notice] ${suite}: SKIPPED, ${a.reason}\n`)
  return a.available
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.MINTMARK_TEST_PG
  if (external) return withDatabases(external, 'external', async () => {})
  return startThrowaway(process.env.MINTMARK_PG_BIN ?? defaultBin)
}

function withDatabases(adminUrl: string, kind: TestPostgres['kind'], stop: () => Promise<void>, crash?: CrashControls): TestPostgres {
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    try {
      return await fn(c)
    } finally {
      await c.end()
    }
  }
  return {
    adminUrl,
    kind,
    stop,
    crash,
    async createDatabase() {
      const name = `mintmark_test_${randomBytes(6).toString('hex')}`
      await admin((c) => c.query(`CREATE DATABASE ${name}`))
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return {
        url: url.toString(),
        name,
        drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
      }
    },
  }
}

async function startThrowaway(bin: string): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mintmark-pg-'))
  const data = path.join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  // initdb and postgres refuse to run as root: run them as the postgres OS user, owning the dir.
  const wrap = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args])
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  try {
    const [c, a] = wrap(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'])
    // --no-sync only skips initdb's own final fsync of the fresh cluster; the server runs with fsync on.
    execFileSync(c, a, { stdio: 'pipe' })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const launch = (port: number, logName: string): ChildProcess => {
    const logFd = openSync(path.join(dir, logName), 'a')
    const [c, a] = wrap(path.join(bin, 'postgres'), [
      '-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port),
      '-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'max_connections=200', '-c', 'shared_buffers=64MB',
    ])
    const child = spawn(c, a, { stdio: ['ignore', logFd, logFd] })
    child.on('error', () => {})
    return child
  }
  const postmasterPid = () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = launch(port, `server-${attempt}.log`)
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
    try {
      await waitReady(adminUrl, child, 30_000)
    } catch (error) {
      lastError = error
      child.kill('SIGKILL')
      continue
    }
    let pid = postmasterPid()
    // If the test process dies without its teardown, do not leave the server behind.
    const onExit = (): void => {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    process.on('exit', onExit)
    let restarts = 0
    const crash: CrashControls = {
      async killBackend(appPrefix) {
        const c = new pg.Client({ connectionString: adminUrl })
        await c.connect()
        let victims: number[]
        try {
          const r = await c.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND starts_with(application_name, $1)",
            [appPrefix],
          )
          victims = r.rows.map((row) => row.pid)
        } finally {
          await c.end().catch(() => {})
        }
        const victim = victims[Math.floor(Math.random() * victims.length)]
        if (victim === undefined) return undefined
        process.kill(victim, 'SIGKILL')
        // The postmaster reaps it within milliseconds, then resets every backend and replays WAL.
        await new Promise((r) => setTimeout(r, 100))
        await waitReady(adminUrl, undefined, 60_000)
        return victim
      },
      async killPostmaster() {
        const old = pid
        process.kill(old, 'SIGKILL')
        while (isAlive(old)) await new Promise((r) => setTimeout(r, 20))
        // Orphaned backends notice the postmaster's death and exit; until they have, a new
        // postmaster refuses to start (their shared memory is still attached): try again.
        const deadline = Date.now() + 60_000
        for (;;) {
          const next = launch(port, `server-restart-${++restarts}.log`)
          try {
            await waitReady(adminUrl, next, 30_000)
            pid = postmasterPid()
            return
          } catch (error) {
            next.kill('SIGKILL')
            if (Date.now() > deadline) throw error
            await new Promise((r) => setTimeout(r, 200))
          }
        }
      },
    }
    return withDatabases(
      adminUrl,
      'throwaway',
      async () => {
        process.off('exit', onExit)
        try {
          process.kill(pid, 'SIGINT') // fast shutdown
        } catch {}
        const deadline = Date.now() + 15_000
        while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        if (isAlive(pid)) process.kill(pid, 'SIGKILL')
        rmSync(dir, { recursive: true, force: true })
      },
      crash,
    )
  }
  rmSync(dir, { recursive: true, force: true })
  throw new Error(`Could not start a throwaway PostgreSQL from ${bin}: ${String(lastError)}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitReady(url: string, child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  child?.once('exit', () => {
    exited = true
  })
  for (;;) {
    if (exited) throw new Error('postgres exited during start-up')
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 })
    try {
      await c.connect()
      await c.query('SELECT 1')
      await c.end()
      return
    } catch (error) {
      await c.end().catch(() => {})
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}
