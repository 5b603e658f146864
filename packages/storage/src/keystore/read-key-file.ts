import { createDecipheriv, scrypt } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import { isDid, MintmarkError, parseJson } from '@mintmark/core'
import { decodeBase64Strict, didOfSecretKey, type KeyFileContents, maxKeyFileSize, maxScryptMemory, shownName } from './key-file-format.js'

export type ReadKeyFileOptions = {
  /** Needed for encrypted key files; ignored for plain ones. */
  passphrase?: string | undefined
}

export type ReadKeyFileErrorType = MintmarkError<
  'KEY_NOT_FOUND' | 'KEY_INVALID' | 'KEY_FILE_PERMISSIONS' | 'KEY_PASSPHRASE_REQUIRED' | 'KEY_PASSPHRASE_WRONG' | 'STORE_IO'
>

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * Reads a key file written by `writeKeyFile`. Like ssh, refuses a file that group or others may
 * read or write (`KEY_FILE_PERMISSIONS`). Throws `KEY_NOT_FOUND` when absent,
 * `KEY_PASSPHRASE_REQUIRED` / `KEY_PASSPHRASE_WRONG` for encrypted files, and `KEY_INVALID`
 * when the file is malformed or its key is not the DID it names.
 *
 * @example
 * const { secretKey, did } = await readKeyFile('.mintmark/keys/creator.key', { passphrase })
 */
export async function readKeyFile(file: string, options: ReadKeyFileOptions = {}): Promise<KeyFileContents> {
  const name = shownName(file)
  let text: string
  try {
    const st = await fsp.stat(file)
    if (!st.isFile()) throw new MintmarkError('KEY_INVALID', `Key file ${name} is not a regular file.`)
    if (st.mode & 0o077)
      throw new MintmarkError('KEY_FILE_PERMISSIONS', `Key file ${name} is accessible to other users; refusing to use it.`, {
        details: `mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}`,
        metaMessages: [`Run: chmod 600 ${name}`],
      })
    if (st.size > maxKeyFileSize) throw new MintmarkError('KEY_INVALID', `Key file ${name} is too large to be a key file.`)
    text = await fsp.readFile(file, 'utf8')
  } catch (cause) {
    if (cause instanceof MintmarkError) throw cause
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT' || (cause as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new MintmarkError('KEY_NOT_FOUND', `No key file ${name}.`, { metaMessages: ['Create one with `mintmark init`.'] })
    throw new MintmarkError('STORE_IO', `Cannot read the key file ${name}.`, { cause })
  }

  let body: unknown
  try {
    body = parseJson(text)
  } catch (cause) {
    throw new MintmarkError('KEY_INVALID', `Key file ${name} is not valid JSON.`, { cause })
  }
  if (!isObject(body) || body.v !== 1 || body.type !== 'ed25519' || !isDid(body.did))
    throw new MintmarkError('KEY_INVALID', `Key file ${name} is not a Mintmark v1 Ed25519 key file.`)

  let secretKey: Uint8Array
  if ('secret' in body) {
    const secret = decodeBase64Strict(body.secret)
    if (secret?.length !== 32) throw new MintmarkError('KEY_INVALID', `Key file ${name} does not hold a 32-byte key in base64.`)
    secretKey = new Uint8Array(secret)
  } else if ('ciphertext' in body) {
    secretKey = await decrypt(body, name, options.passphrase)
  } else {
    throw new MintmarkError('KEY_INVALID', `Key file ${name} holds no key.`)
  }

  if (didOfSecretKey(secretKey) !== body.did)
    throw new MintmarkError('KEY_INVALID', `The key in ${name} does not belong to the DID the file names.`)
  return { secretKey, did: body.did }
}

async function decrypt(body: Record<string, unknown>, name: string, passphrase: string | undefined): Promise<Uint8Array> {
  const { kdf, cipher } = body
  const invalid = (why: string) => new MintmarkError('KEY_INVALID', `Key file ${name} is malformed: ${why}.`)
  if (!isObject(kdf) || kdf.name !== 'scrypt') throw invalid('unsupported key derivation')
  const { N, r, p } = kdf
  if (!Number.isSafeInteger(N) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p)) throw invalid('scrypt parameters are not integers')
  const n = N as number
  const rr = r as number
  const pp = p as number
  // N a power of two ≥ 2^10; total memory bounded so a hostile file cannot exhaust the host.
  if (n < 1024 || (n & (n - 1)) !== 0 || rr < 1 || rr > 32 || pp < 1 || pp > 16 || 128 * n * rr * pp > maxScryptMemory)
    throw invalid('scrypt parameters out of range')
  const salt = decodeBase64Strict(kdf.salt)
  if (salt === undefined || salt.length < 16 || salt.length > 64) throw invalid('bad salt')
  if (!isObject(cipher) || cipher.name !== 'aes-256-gcm') throw invalid('unsupported cipher')
  const iv = decodeBase64Strict(cipher.iv)
  const tag = decodeBase64Strict(cipher.tag)
  const ciphertext = decodeBase64Strict(body.ciphertext)
  if (iv?.length !== 12 || tag?.length !== 16 || ciphertext?.length !== 32) throw invalid('bad iv, tag or ciphertext')

  if (!passphrase)
    throw new MintmarkError('KEY_PASSPHRASE_REQUIRED', `Key file ${name} is encrypted: a passphrase is needed.`, {
      metaMessages: ['Set MINTMARK_PASSPHRASE or pass --passphrase.'],
    })
  const derived = await new Promise<Buffer>((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), salt, 32, { N: n, r: rr, p: pp, maxmem: 256 * n * rr * pp }, (err, key) =>
      err ? reject(new MintmarkError('STORE_IO', 'scrypt failed.', { cause: err })) : resolve(key),
    ),
  )
  try {
    const decipher = createDecipheriv('aes-256-gcm', derived, iv)
    decipher.setAuthTag(tag)
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
  } catch (cause) {
    // GCM cannot tell a wrong passphrase from a damaged ciphertext.
    throw new MintmarkError('KEY_PASSPHRASE_WRONG', `The passphrase does not unlock ${name} (or the file is damaged).`, { cause })
  } finally {
    derived.fill(0)
  }
}
