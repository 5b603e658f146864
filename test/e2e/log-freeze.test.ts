import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey } from '../../apps/server/src/index.js'
import { type Keypair, type TestServer, newKeypair, rand, serve, signedPost, signedStatementFor } from '../../apps/server/test/helpers.js'
import { runCli, runCliJson } from '../helpers/cli.js'

// Retiring a log key the way transparency logs do (ADR 0016): freeze the log (a final signed
// checkpoint, no more entries — also for a server already running on the home), start a new log
// with a new key, and everything registered before keeps verifying, online and offline.

let work: string
let oldHome: string
let newHome: string
let creator: string
const files: string[] = []
const json = (home: string, args: string[]) => runCliJson([...args, '--home', home], { cwd: work })

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-freeze-'))
  oldHome = path.join(work, 'old')
  newHome = path.join(work, 'new')
  for (let i = 0; i < 3; i++) {
    const f = path.join(work, `asset-${i}.bin`)
    await fsp.writeFile(f, rand(2000 + i))
    files.push(f)
  }
  const init = await json(oldHome, ['init'])
  expect(init.code).toBe(0)
  creator = init.body.creator as string
})
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true })
})

const registerArgs = ['--source-type', 'trainedAlgorithmicMedia', '--license', 'CC-BY-4.0']

describe('log freeze (retiring the log key)', () => {
  let server: TestServer | undefined
  const alice: Keypair = newKeypair()
  afterAll(async () => {
    await server?.close()
  })

  it('a running server takes writes until another process freezes the log, then refuses them with LOG_FROZEN', async () => {
    expect((await json(oldHome, ['register', files[0] as string, ...registerArgs])).code).toBe(0)
    server = await serve(oldHome)
    const before = await signedStatementFor(alice, rand(900), { asset: { title: 'before the freeze' } })
    expect((await signedPost(`${server.url}/v1/assets`, alice, before)).status).toBe(201)

    const frozen = await json(oldHome, ['log', 'freeze', '--reason', 'log key rotation'])
    expect(frozen.code).toBe(0)
    expect(frozen.body).toMatchObject({ size: 2, alreadyFrozen: false })
    expect(frozen.body.note).toContain('\n2\n')

    // The server read its config before the freeze; its next append sees it.
    const after = await signedStatementFor(alice, rand(901), { asset: { title: 'after the freeze' } })
    const refused = await signedPost(`${server.url}/v1/assets`, alice, after)
    expect(refused.status).toBe(409)
    expect(((await refused.json()) as { code: string }).code).toBe('LOG_FROZEN')
    const token = (await createApiKey({ home: oldHome, principal: creator, scopes: ['assets:write'] })).token
    const upload = await fetch(`${server.url}/v1/assets?filename=x.bin`, {
      method: 'POST',
      body: rand(500),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'mintmark-template': Buffer.from(JSON.stringify({ digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'CC-BY-4.0' } })).toString('base64url') },
    })
    expect(upload.status).toBe(409)
    // Reads go on.
    expect((await fetch(`${server.url}/v1/assets/${before.statement.asset.cid}`)).status).toBe(200)
    expect(((await (await fetch(`${server.url}/v1/checkpoints/latest`)).json()) as { size: number }).size).toBe(2)
    await server.close()
    server = undefined
  })

  it('the CLI refuses to register into a frozen log and nothing changes; a second freeze reports the first', async () => {
    const r = await runCli(['register', files[1] as string, ...registerArgs, '--home', oldHome], { cwd: work })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('LOG_FROZEN')
    const cp = await json(oldHome, ['log', 'checkpoint'])
    expect(cp.body.size).toBe(2)
    const again = await json(oldHome, ['log', 'freeze'])
    expect(again.body).toMatchObject({ size: 2, alreadyFrozen: true })
    // --no-blobs: alice's signed statement registered metadata only (no bytes were uploaded).
    const audit = await json(oldHome, ['audit', '--no-blobs'])
    expect(audit.body.problems).toEqual([])
    expect(audit.body).toMatchObject({ ok: true, entries: 2 })
  })

  it('the next log has its own key; what the frozen log holds keeps verifying, online and offline', async () => {
    const bundle = path.join(work, 'asset-0.bundle.json')
    const shown = await json(oldHome, ['verify', files[0] as string])
    expect(shown.code).toBe(0)
    expect(shown.body.verdict).toBe('verified')
    const cid = shown.body.asset.cid as string
    expect((await runCli(['export', 'bundle', cid, '-o', bundle, '--home', oldHome], { cwd: work })).code).toBe(0)

    const init = await json(newHome, ['init'])
    expect(init.code).toBe(0)
    const oldKey = (await json(oldHome, ['log', 'checkpoint'])).body.logKey as string
    expect(init.body.logKey).not.toBe(oldKey)
    expect((await json(newHome, ['register', files[1] as string, ...registerArgs])).code).toBe(0)
    const fresh = await json(newHome, ['verify', files[1] as string])
    expect(fresh.body.verdict).toBe('verified')

    // The frozen log's record, offline from its bundle alone (signed by the retired key).
    const offline = await json(newHome, ['verify', files[0] as string, '--bundle', bundle, '--offline'])
    expect(offline.code).toBe(0)
    expect(offline.body.verdict).toBe('verified')
    // And online against the frozen home.
    expect((await json(oldHome, ['verify', files[0] as string])).body.verdict).toBe('verified')
  })
})
