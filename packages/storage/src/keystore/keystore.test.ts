import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { didKeyFromPublicKey, generateEd25519KeyPair, MintmarkError } from '@mintmark/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readKeyFile } from './read-key-file.js'
import { writeKeyFile } from './write-key-file.js'

let root: string
const key = generateEd25519KeyPair()
const other = generateEd25519KeyPair()
let n = 0
const fresh = async () => {
  const dir = path.join(root, `case-${n++}`)
  await fsp.mkdir(dir, { mode: 0o700 })
  return dir
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return e instanceof MintmarkError ? e.code : `not a MintmarkError: ${String(e)}`
  }
  return 'resolved'
}

beforeAll(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-keystore-'))
})
afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true })
})

describe('plain key files', () => {
  it('round-trips, writes the documented JSON with mode 0600 in a new 0700 directory, leaves no temp file', async () => {
    const dir = path.join(await fresh(), 'keys', 'nested')
    const file = path.join(dir, 'creator.key')
    await writeKeyFile(file, { secretKey: key.secretKey, did: key.did })
    const back = await readKeyFile(file)
    expect(back.did).toBe(key.did)
    expect(Buffer.from(back.secretKey).equals(Buffer.from(key.secretKey))).toBe(true)
    expect(JSON.parse(await fsp.readFile(file, 'utf8'))).toEqual({ v: 1, type: 'ed25519', did: key.did, secret: Buffer.from(key.secretKey).toString('base64') })
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600)
    expect((await fsp.stat(dir)).mode & 0o777).toBe(0o700)
    expect(await fsp.readdir(dir)).toEqual(['creator.key'])
  })

  it('refuses to overwrite an existing key (KEY_INVALID, "already exists") and leaves it intact', async () => {
    const file = path.join(await fresh(), 'k.key')
    await writeKeyFile(file, key)
    const before = await fsp.readFile(file, 'utf8')
    expect(await codeOf(writeKeyFile(file, other))).toBe('KEY_INVALID')
    await expect(writeKeyFile(file, other)).rejects.toThrow(/already exists/)
    expect(await fsp.readFile(file, 'utf8')).toBe(before)
    expect(await fsp.readdir(path.dirname(file))).toEqual(['k.key'])
  })

  it('concurrent writers: exactly one wins, the rest are refused', async () => {
    const file = path.join(await fresh(), 'race.key')
    const keys = Array.from({ length: 8 }, () => generateEd25519KeyPair())
    const results = await Promise.all(keys.map((k) => codeOf(writeKeyFile(file, k))))
    expect(results.filter((r) => r === 'resolved')).toHaveLength(1)
    expect(results.filter((r) => r === 'KEY_INVALID')).toHaveLength(7)
    const winner = keys[results.indexOf('resolved')]
    expect((await readKeyFile(file)).did).toBe(winner?.did)
  })

  it('refuses a DID that is not the key’s (KEY_INVALID) and writes nothing', async () => {
    const dir = await fresh()
    expect(await codeOf(writeKeyFile(path.join(dir, 'k.key'), { secretKey: key.secretKey, did: other.did }))).toBe('KEY_INVALID')
    expect(await codeOf(writeKeyFile(path.join(dir, 'k.key'), { secretKey: new Uint8Array(31), did: key.did }))).toBe('KEY_INVALID')
    expect(await fsp.readdir(dir)).toEqual([])
  })

  it('refuses to write into a directory other users can access (KEY_FILE_PERMISSIONS)', async () => {
    const dir = await fresh()
    await fsp.chmod(dir, 0o755)
    expect(await codeOf(writeKeyFile(path.join(dir, 'k.key'), key))).toBe('KEY_FILE_PERMISSIONS')
    expect(await fsp.readdir(dir)).toEqual([])
  })
})

describe('reading refuses what it should', () => {
  it('KEY_NOT_FOUND for a missing file or directory', async () => {
    const dir = await fresh()
    expect(await codeOf(readKeyFile(path.join(dir, 'none.key')))).toBe('KEY_NOT_FOUND')
    expect(await codeOf(readKeyFile(path.join(dir, 'no-dir', 'none.key')))).toBe('KEY_NOT_FOUND')
  })

  it.each([0o644, 0o640, 0o604, 0o660, 0o602, 0o620])('KEY_FILE_PERMISSIONS for mode %o, like ssh', async (mode) => {
    const file = path.join(await fresh(), 'k.key')
    await writeKeyFile(file, key)
    await fsp.chmod(file, mode)
    const e = await readKeyFile(file).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(MintmarkError)
    expect((e as MintmarkError).code).toBe('KEY_FILE_PERMISSIONS')
    // The message names the file but not its directory.
    expect((e as MintmarkError).message).toContain('"k.key"')
    expect((e as MintmarkError).message).not.toContain(root)
    await fsp.chmod(file, 0o400) // read-only for the owner is fine
    expect((await readKeyFile(file)).did).toBe(key.did)
  })

  const plain = () => ({ v: 1, type: 'ed25519', did: key.did, secret: Buffer.from(key.secretKey).toString('base64') })
  it.each<[string, () => unknown]>([
    ['not JSON', () => 'not json'],
    ['duplicate keys', () => `{"v":1,"v":1,"type":"ed25519","did":"${key.did}","secret":"${plain().secret}"}`],
    ['array', () => []],
    ['version 2', () => ({ ...plain(), v: 2 })],
    ['other key type', () => ({ ...plain(), type: 'secp256k1' })],
    ['did not a DID', () => ({ ...plain(), did: 'alice' })],
    ['did of another key', () => ({ ...plain(), did: other.did })],
    ['secret not base64', () => ({ ...plain(), secret: '!!!' })],
    ['secret base64url', () => ({ ...plain(), secret: Buffer.from(key.secretKey).toString('base64url') })],
    ['secret 31 bytes', () => ({ ...plain(), secret: Buffer.alloc(31).toString('base64') })],
    ['no key', () => ({ v: 1, type: 'ed25519', did: key.did })],
  ])('KEY_INVALID: %s', async (_, make) => {
    const file = path.join(await fresh(), 'k.key')
    const body = make()
    await fsp.writeFile(file, typeof body === 'string' ? body : JSON.stringify(body), { mode: 0o600 })
    expect(await codeOf(readKeyFile(file))).toBe('KEY_INVALID')
  })

  it('KEY_INVALID for a directory and for a huge file', async () => {
    const dir = await fresh()
    await fsp.mkdir(path.join(dir, 'd.key'), { mode: 0o700 })
    expect(await codeOf(readKeyFile(path.join(dir, 'd.key')))).toBe('KEY_INVALID')
    await fsp.writeFile(path.join(dir, 'big.key'), ' '.repeat(100_000), { mode: 0o600 })
    expect(await codeOf(readKeyFile(path.join(dir, 'big.key')))).toBe('KEY_INVALID')
  })
})

describe('encrypted key files', () => {
  const passphrase = 'correct horse battery staple'
  let file: string

  beforeAll(async () => {
    file = path.join(await fresh(), 'enc.key')
    await writeKeyFile(file, key, { passphrase })
  })

  it('writes scrypt + AES-256-GCM fields and no plaintext secret', async () => {
    const text = await fsp.readFile(file, 'utf8')
    const body = JSON.parse(text)
    expect(Object.keys(body).sort()).toEqual(['cipher', 'ciphertext', 'did', 'kdf', 'type', 'v'])
    expect(body.kdf).toMatchObject({ name: 'scrypt', N: 32768, r: 8, p: 1 })
    expect(Buffer.from(body.kdf.salt, 'base64')).toHaveLength(16)
    expect(body.cipher.name).toBe('aes-256-gcm')
    expect(Buffer.from(body.cipher.iv, 'base64')).toHaveLength(12)
    expect(Buffer.from(body.cipher.tag, 'base64')).toHaveLength(16)
    expect(text).not.toContain(Buffer.from(key.secretKey).toString('base64'))
    expect(text).not.toContain(Buffer.from(key.secretKey).toString('hex'))
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600)
  })

  it('round-trips with the passphrase (NFC and NFD spellings alike)', async () => {
    const back = await readKeyFile(file, { passphrase })
    expect(back.did).toBe(key.did)
    expect(Buffer.from(back.secretKey).equals(Buffer.from(key.secretKey))).toBe(true)
    const f2 = path.join(path.dirname(file), 'nfc.key')
    await writeKeyFile(f2, key, { passphrase: 'caf\u00e9' })
    expect((await readKeyFile(f2, { passphrase: 'cafe\u0301' })).did).toBe(key.did)
  })

  it('KEY_PASSPHRASE_REQUIRED without one, KEY_PASSPHRASE_WRONG with the wrong one', async () => {
    expect(await codeOf(readKeyFile(file))).toBe('KEY_PASSPHRASE_REQUIRED')
    expect(await codeOf(readKeyFile(file, { passphrase: '' }))).toBe('KEY_PASSPHRASE_REQUIRED')
    expect(await codeOf(readKeyFile(file, { passphrase: `${passphrase}!` }))).toBe('KEY_PASSPHRASE_WRONG')
  })

  it('detects tampering: ciphertext or tag → KEY_PASSPHRASE_WRONG, DID swapped → KEY_INVALID, hostile KDF cost → KEY_INVALID', async () => {
    const body = JSON.parse(await fsp.readFile(file, 'utf8'))
    const write = async (b: unknown) => {
      const f = path.join(await fresh(), 't.key')
      await fsp.writeFile(f, JSON.stringify(b), { mode: 0o600 })
      return f
    }
    const ct = Buffer.from(body.ciphertext, 'base64')
    ct[0] = (ct[0] as number) ^ 1
    expect(await codeOf(readKeyFile(await write({ ...body, ciphertext: ct.toString('base64') }), { passphrase }))).toBe('KEY_PASSPHRASE_WRONG')
    expect(await codeOf(readKeyFile(await write({ ...body, cipher: { ...body.cipher, tag: randomBytes(16).toString('base64') } }), { passphrase }))).toBe('KEY_PASSPHRASE_WRONG')
    expect(await codeOf(readKeyFile(await write({ ...body, did: other.did }), { passphrase }))).toBe('KEY_INVALID')
    // A file demanding 2^24 × 8 × 128 bytes of scrypt memory is refused before any work.
    expect(await codeOf(readKeyFile(await write({ ...body, kdf: { ...body.kdf, N: 2 ** 24 } }), { passphrase }))).toBe('KEY_INVALID')
    expect(await codeOf(readKeyFile(await write({ ...body, kdf: { ...body.kdf, N: 1000 } }), { passphrase }))).toBe('KEY_INVALID')
    expect(await codeOf(readKeyFile(await write({ ...body, kdf: { ...body.kdf, name: 'pbkdf2' } }), { passphrase }))).toBe('KEY_INVALID')
    expect(await codeOf(readKeyFile(await write({ ...body, cipher: { ...body.cipher, name: 'aes-128-cbc' } }), { passphrase }))).toBe('KEY_INVALID')
    expect(await codeOf(readKeyFile(await write({ ...body, cipher: { ...body.cipher, iv: 'AAAA' } }), { passphrase }))).toBe('KEY_INVALID')
  })

  it('the DID in the file is the did:key of the stored key', async () => {
    const { ed25519 } = await import('@noble/curves/ed25519.js')
    const back = await readKeyFile(file, { passphrase })
    expect(didKeyFromPublicKey(ed25519.getPublicKey(back.secretKey))).toBe(back.did)
  })
})
