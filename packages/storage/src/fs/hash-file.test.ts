import { createCipheriv, createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CidProfile, cidProfiles, hashBytes, nobleSha256 } from '@mintmark/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashFile, nodeSha256 } from './hash-file.js'

/**
 * kubo's deterministic test bytes (test/cli/testutils/random_deterministic.go, mirrored by
 * js-ipfs-unixfs test/helpers/deterministic.ts): the ChaCha20 keystream with key sha256(seed),
 * a 12-byte zero nonce and block counter 0. node:crypto's IV is counter (LE) ‖ nonce.
 */
function kuboDeterministicBytes(size: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed, 'utf8').digest()
  return createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(size))
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mintmark-hash-file-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function fileOf(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, bytes)
  return path
}

describe('hashFile', () => {
  // kubo test/cli/cid_profiles_test.go (unixfs-v1-2025: FileAtChunkSizeCID, FileOverChunkSizeCID),
  // the same values in js-ipfs-unixfs test/cid-profiles.spec.ts.
  it('matches kubo unixfs-v1-2025 vectors: 1 MiB and 1 MiB + 1 of seed "chunk-v1-seed"', async () => {
    const bytes = kuboDeterministicBytes(1_048_577, 'chunk-v1-seed')
    const atChunk = await hashFile(await fileOf('at-chunk', bytes.subarray(0, 1_048_576)), { profile: 'unixfs-v1-2025' })
    expect(atChunk.cid).toBe('bafkreiacndfy443ter6qr2tmbbdhadvxxheowwf75s6zehscklu6ezxmta')
    expect(atChunk.size).toBe(1_048_576)
    expect(atChunk.sha256).toBe(createHash('sha256').update(bytes.subarray(0, 1_048_576)).digest('hex'))
    const overChunk = await hashFile(await fileOf('over-chunk', bytes))
    expect(overChunk.cid).toBe('bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64')
    expect(overChunk.size).toBe(1_048_577)
  })

  it('equals hashBytes for every profile, size and read size (reads not aligned to chunks too)', async () => {
    const small: CidProfile = { name: 'small', chunkSize: 1000, maxLinks: 3 }
    const bytes = pattern(262_144 * 5 + 77)
    const path = await fileOf('pattern', bytes)
    for (const profile of [cidProfiles['kubo-v1'], cidProfiles['unixfs-v1-2025'], small]) {
      const expected = hashBytes(bytes, { profile, sha256: nobleSha256 })
      for (const readSize of [4095, 65_536, 1_000_003, undefined]) {
        expect({ profile: profile.name, readSize, ...(await hashFile(path, { profile, readSize })) }).toEqual({
          profile: profile.name,
          readSize,
          ...expected,
        })
      }
    }
  })

  it('gives the same result with 1-byte and 7-byte reads', async () => {
    const small: CidProfile = { name: 'small', chunkSize: 100, maxLinks: 3 }
    const bytes = pattern(3000)
    const path = await fileOf('tiny-reads', bytes)
    const expected = hashBytes(bytes, { profile: small })
    expect(await hashFile(path, { profile: small, readSize: 1 })).toEqual(expected)
    expect(await hashFile(path, { profile: small, readSize: 7 })).toEqual(expected)
  })

  it('hashes an empty file to the empty raw CID', async () => {
    const result = await hashFile(await fileOf('empty', new Uint8Array(0)))
    expect(result).toEqual({
      cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      size: 0,
    })
  })

  it('maps missing files, directories and bad options to coded errors', async () => {
    await expect(hashFile(join(dir, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
    await expect(hashFile(join(dir, 'nope', 'deeper'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
    await expect(hashFile(dir)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' })
    const path = await fileOf('x', pattern(10))
    await expect(hashFile(path, { readSize: 0 })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(hashFile(path, { profile: 'nope' as 'kubo-v1' })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })

  it('stops when aborted, before or during the read', async () => {
    const path = await fileOf('abort', pattern(3_000_000))
    await expect(hashFile(path, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    const controller = new AbortController()
    const reason = new Error('stop')
    let reads = 0
    const sha256 = {
      digest: nodeSha256.digest,
      create: () => {
        const inner = nodeSha256.create()
        return {
          update: (b: Uint8Array) => {
            if (++reads === 2) controller.abort(reason)
            inner.update(b)
          },
          digest: () => inner.digest(),
        }
      },
    }
    await expect(hashFile(path, { signal: controller.signal, readSize: 65_536, sha256 })).rejects.toBe(reason)
    expect(reads).toBe(2)
  })
})
