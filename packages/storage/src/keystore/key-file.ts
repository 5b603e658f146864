import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb } from 'node:crypto'
import { constants, promises as fsp } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { MintmarkError, didKeyFromPublicKey } from '@mintmark/core'
import { ed25519 } from '@noble/curves/ed25519.js'

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>

// scrypt N=2^15, r=8, p=1: about 32 MiB and ~100 ms per unlock on this class of machine; the
// cost an attacker pays per guess. Stored in the file so it can be raised later.
const kdfParams = { N: 2 ** 15, r: 8, p: 1 }

export type KeyFileContents = { secretKey: Uint8Array; did: string }

type PlainKeyFile = { v: 1; type: 'ed25519'; did: string; secret: string }
type EncryptedKeyFile = {
  v: 1
  type: 'ed25519'
  did: string
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string }
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string }
  ciphertext: string
}

/**
 * Writes an Ed25519 key file, optionally encrypted with a passphrase (scrypt + AES-256-GCM).
 * Atomic (tmp, fsync, rename), mode 0600 in a 0700 directory; never overwrites an existing key.
 */
export async function writeKeyFile(file: string, key: KeyFileContents, options: { passphrase?: string | undefined } = {}): Promise<void> {
  assertKeyMatches(key.secretKey, key.did)
  let body: PlainKeyFile | EncryptedKeyFile
  if (options.passphrase) {
    const salt = randomBytes(16)
    const iv = randomBytes(12)
    const dk = await scrypt(options.passphrase, salt, 32, { ...kdfParams, maxmem: 64 * 1024 * 1024 })
    const cipher = createCipheriv('aes-256-gcm', dk, iv)
    cipher.setAAD(Buffer.from(key.did))
    const ciphertext = Buffer.concat([cipher.update(key.secretKey), cipher.final()])
    body = {
      v: 1,
      type: 'ed25519',
      did: key.did,
      kdf: { name: 'scrypt', ...kdfParams, salt: salt.toString('base64') },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
      ciphertext: ciphertext.toString('base64'),
    }
  } else body = { v: 1, type: 'ed25519', did: key.did, secret: Buffer.from(key.secretKey).toString('base64') }

  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    await fh.writeFile(`${JSON.stringify(body, null, 2)}\n`)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    // link() fails if the target exists: a key is never silently replaced.
    await fsp.link(tmp, file)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new MintmarkError('KEY_INVALID', `A key file already exists at ${file}; refusing to overwrite it.`)
    throw new MintmarkError('STORE_IO', `Could not write the key file ${file}.`, { cause })
  } finally {
    await fsp.rm(tmp, { force: true })
  }
  const dir = await fsp.open(path.dirname(file), 'r')
  await dir.sync().finally(() => dir.close())
}

/** Reads a key file; refuses files readable by group or others, and checks the key matches its DID. */
export async function readKeyFile(file: string, options: { passphrase?: string | undefined } = {}): Promise<KeyFileContents> {
  let text: string
  try {
    const st = await fsp.stat(file)
    if (st.mode & 0o077)
      throw new MintmarkError('KEY_FILE_PERMISSIONS', `Key file ${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}).`, {
        metaMessages: [`Run: chmod 600 ${file}`],
      })
    text = await fsp.readFile(file, 'utf8')
  } catch (cause) {
    if (cause instanceof MintmarkError) throw cause
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new MintmarkError('KEY_NOT_FOUND', `No key file at ${file}.`, { metaMessages: ['Run `mintmark init` first.'] })
    throw new MintmarkError('STORE_IO', `Cannot read the key file ${file}.`, { cause })
  }
  let body: Partial<PlainKeyFile & EncryptedKeyFile>
  try {
    body = JSON.parse(text)
  } catch (cause) {
    throw new MintmarkError('KEY_INVALID', `Key file ${file} is not valid JSON.`, { cause })
  }
  if (body.v !== 1 || body.type !== 'ed25519' || typeof body.did !== 'string') throw new MintmarkError('KEY_INVALID', `Key file ${file} is not a Mintmark v1 Ed25519 key.`)
  let secretKey: Uint8Array
  if (typeof body.secret === 'string') secretKey = new Uint8Array(Buffer.from(body.secret, 'base64'))
  else if (body.kdf && body.cipher && typeof body.ciphertext === 'string') {
    if (!options.passphrase) throw new MintmarkError('KEY_PASSPHRASE_REQUIRED', `Key file ${file} is encrypted: set MINTMARK_PASSPHRASE.`)
    const { N, r, p, salt } = body.kdf
    if (body.kdf.name !== 'scrypt' || ![N, r, p].every(Number.isSafeInteger) || N > 2 ** 20 || r > 32 || p > 16)
      throw new MintmarkError('KEY_INVALID', `Key file ${file} has unsupported KDF parameters.`)
    const dk = await scrypt(options.passphrase, Buffer.from(salt, 'base64'), 32, { N, r, p, maxmem: 256 * 1024 * 1024 })
    try {
      const decipher = createDecipheriv('aes-256-gcm', dk, Buffer.from(body.cipher.iv, 'base64'))
      decipher.setAAD(Buffer.from(body.did))
      decipher.setAuthTag(Buffer.from(body.cipher.tag, 'base64'))
      secretKey = new Uint8Array(Buffer.concat([decipher.update(Buffer.from(body.ciphertext, 'base64')), decipher.final()]))
    } catch (cause) {
      throw new MintmarkError('KEY_PASSPHRASE_WRONG', `The passphrase does not unlock ${file}.`, { cause })
    }
  } else throw new MintmarkError('KEY_INVALID', `Key file ${file} holds no key.`)
  assertKeyMatches(secretKey, body.did)
  return { secretKey, did: body.did }
}

function assertKeyMatches(secretKey: Uint8Array, did: string): void {
  if (secretKey.length !== 32) throw new MintmarkError('KEY_INVALID', 'An Ed25519 secret key is 32 bytes.')
  if (didKeyFromPublicKey(ed25519.getPublicKey(secretKey)) !== did) throw new MintmarkError('KEY_INVALID', `The key does not belong to ${did}.`)
}
