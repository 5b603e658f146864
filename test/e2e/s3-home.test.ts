import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

// A home whose blobs live in an S3-compatible bucket, chosen by configuration only (environment
// variables, then the config file), driven through the CLI as a user would: s3rver is the server.
type S3rverInstance = { run(): Promise<{ port: number }>; close(): Promise<void>; httpServer: Server }
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance

let server: S3rverInstance
let work: string
let endpoint: string
let client: S3Client
const aws = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-s3-home-'))
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3') })
  endpoint = `http://127.0.0.1:${(await server.run()).port}`
  client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  await client.send(new CreateBucketCommand({ Bucket: 'studio-blobs' }))
})
afterAll(async () => {
  client?.destroy()
  await server?.close()
  await fsp.rm(work, { recursive: true, force: true })
})

const keysIn = async (bucket: string) => ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key)

it('MINTMARK_S3_* puts a home’s blobs in the bucket; register, verify and a corrupted object behave as on disk', async () => {
  const env = { MINTMARK_HOME: path.join(work, 'env-home'), MINTMARK_S3_BUCKET: 'studio-blobs', MINTMARK_S3_ENDPOINT: endpoint, MINTMARK_S3_FORCE_PATH_STYLE: '1', ...aws }
  expect((await runCli(['init'], { env })).code).toBe(0)
  const file = path.join(work, 'weights.bin')
  await fsp.writeFile(file, randomBytes(3 * 1024 * 1024 + 17)) // several chunks: a multi-block CID
  const reg = await runCli(['register', file, '--json', '--source-type', 'trainedAlgorithmicMedia', '--license', 'CC-BY-4.0'], { env })
  expect(reg.code, reg.stderr).toBe(0)
  const cid = (JSON.parse(reg.stdout) as { registered: { cid: string }[] }).registered[0]?.cid as string
  expect(await keysIn('studio-blobs')).toEqual([`blobs/${cid}`])
  // Nothing of the asset's bytes on the local disk.
  const local = await fsp.readdir(path.join(env.MINTMARK_HOME, 'blobs')).catch(() => [])
  expect(local.filter((n) => n !== 'tmp')).toEqual([])
  expect((await runCli(['verify', file], { env })).code).toBe(0)
  const audit = await runCli(['audit', '--json'], { env })
  expect(audit.code, audit.stdout).toBe(0)

  // The bucket's copy altered behind Mintmark's back: never served as the asset.
  const original = await (await client.send(new GetObjectCommand({ Bucket: 'studio-blobs', Key: `blobs/${cid}` }))).Body?.transformToByteArray()
  const bad = Buffer.from(original as Uint8Array)
  bad[1000] = (bad[1000] as number) ^ 1
  await client.send(new PutObjectCommand({ Bucket: 'studio-blobs', Key: `blobs/${cid}`, Body: bad }))
  const audited = await runCli(['audit', '--json'], { env })
  expect(audited.code).not.toBe(0)
  expect(audited.stdout).toContain(cid)
})

it('the config file’s blobs section chooses S3 too; an invalid one is CONFIG_INVALID and changes nothing', async () => {
  await client.send(new CreateBucketCommand({ Bucket: 'file-configured' }))
  const env = { MINTMARK_HOME: path.join(work, 'file-home'), ...aws }
  expect((await runCli(['init'], { env })).code).toBe(0)
  const configFile = path.join(env.MINTMARK_HOME, 'config.json')
  const config = JSON.parse(await fsp.readFile(configFile, 'utf8')) as Record<string, unknown>
  await fsp.writeFile(configFile, JSON.stringify({ ...config, blobs: { type: 's3', bucket: 'file-configured', endpoint, forcePathStyle: true } }))
  const file = path.join(work, 'fox.txt')
  await fsp.writeFile(file, 'a fox kept in a bucket\n')
  const reg = await runCli(['register', file, '--json', '--license', 'CC0-1.0'], { env })
  expect(reg.code, reg.stderr).toBe(0)
  expect(await keysIn('file-configured')).toHaveLength(1)

  await fsp.writeFile(configFile, JSON.stringify({ ...config, blobs: { type: 's3', endpoint: 'ftp://nope' } }))
  const refused = await runCli(['register', file, '--json'], { env })
  expect(refused.code).toBe(2)
  expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'CONFIG_INVALID', fields: expect.arrayContaining(['blobs.bucket', 'blobs.endpoint']) })
})
