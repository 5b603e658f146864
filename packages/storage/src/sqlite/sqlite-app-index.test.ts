import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { toAsyncStore } from '../app-index-store.js'
import { describeAppIndexStore } from '../conformance/app-index-suite.js'
import { createSqliteStore } from './sqlite-store.js'

// The app index conformance suite against the embedded SQLite store (always runs).
describeAppIndexStore('sqlite', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-appindex-'))
  const store = toAsyncStore(createSqliteStore({ path: path.join(dir, 'store.sqlite') }))
  return {
    store,
    async cleanup() {
      await store.close().catch(() => {})
      await fsp.rm(dir, { recursive: true, force: true })
    },
  }
})
