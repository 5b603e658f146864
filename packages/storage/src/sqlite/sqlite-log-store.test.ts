import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describeLogStore } from '../conformance/log-store-suite.js'
import { toAsyncLogStore } from '../log-store.js'
import { createSqliteStore } from './sqlite-store.js'

// The log store conformance suite against the embedded SQLite store (always runs).
describeLogStore('sqlite', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-logstore-'))
  const file = path.join(dir, 'log.sqlite')
  let current = toAsyncLogStore(createSqliteStore({ path: file }))
  return {
    store: current,
    async reopen() {
      await current.close()
      current = toAsyncLogStore(createSqliteStore({ path: file }))
      return current
    },
    async cleanup() {
      await current.close().catch(() => {})
      await fsp.rm(dir, { recursive: true, force: true })
    },
  }
})
