import { createCipheriv, randomBytes, scrypt } from 'node:crypto'
import { constants, promises as fsp } from 'node:fs'
import path from 'node:path'
import { MintmarkError } from '@mintmark/core'
import { defaultScryptParams, didOfSecretKey, type EncryptedKeyFile, type PlainKeyFile, shownName } from './key-file-format.js'

export type WriteKeyFileOptions = {
  /** Encrypt the key with scrypt + AES-256-GCM. Empty or absent writes it in the clear (mode 0600). */
  passphrase?: string | undefined
}

export type WriteKeyFileErrorType = MintmarkError<'KEY_INVALID' | 'KEY_FILE_PERMISSIONS' | 'STORE_IO'>

function scryptKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), salt, 32, { ...params, maxmem: 256 * params.N * params.r * params.p }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/**
 * Writes an Ed25519 key file: `{ v: 1, type: 'ed25519', did, secret }`, or with a passphrase
 * `{ v: 1, type: 'ed25519', did, kdf: { name: 'scrypt', N, r, p, salt }, cipher: { name:
 * 'aes-256-gcm', iv, tag }, ciphertext }` (base64 fields). The DID must be the key's did:key.
 * Atomic and durable: a 0600 temporary file is written and fsynced in the target directory, then
 * hard-linked to `file` (which fails if `file` exists, so a key is never replaced), then the
 * directory is fsynced. The directory is created 0700 if missing and must not be
 * group/other-accessible.
 *
 * @example
 * await writeKeyFile('.mintmark/keys/creator.key', { secretKey, did }, { passphrase })
 */
export async function writeKeyFile(
  file: string,
  key: { secretKey: Uint8Array; did: string },
  options: WriteKeyFileOptions = {},
): Promise<void> {
  const did = didOfSecretKey(key.secretKey)
  if (did !== key.did) throw new MintmarkError('KEY_INVALID', 'The secret key does not belong to the DID given.', { details: `the key is ${did}` })

  let body: PlainKeyFile | EncryptedKeyFile
  if (options.passphrase) {
    const salt = randomBytes(16)
    const iv = randomBytes(12)
    const derived = await scryptKey(options.passphrase, salt, defaultScryptParams)
    const cipher = createCipheriv('aes-256-gcm', derived, iv)
    const ciphertext = Buffer.concat([cipher.update(key.secretKey), cipher.final()])
    derived.fill(0)
    body = {
      v: 1,
      type: 'ed25519',
      did,
      kdf: { name: 'scrypt', ...defaultScryptParams, salt: salt.toString('base64') },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
      ciphertext: ciphertext.toString('base64'),
    }
  } else {
    body = { v: 1, type: 'ed25519', did, secret: Buffer.from(key.secretKey).toString('base64') }
  }

  const dir = path.dirname(path.resolve(file))
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 })
    const st = await fsp.stat(dir)
    if (st.mode & 0o077)
      throw new MintmarkError('KEY_FILE_PERMISSIONS', 'The key directory is accessible to other users; refusing to write a key there.', {
        details: `mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}`,
        metaMessages: [`Run: chmod 700 ${shownName(dir)}`],
      })
  } catch (cause) {
    if (cause instanceof MintmarkError) throw cause
    throw new MintmarkError('STORE_IO', 'Could not create the key directory.', { cause })
  }

  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`)
  try {
    const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    try {
      await fh.chmod(0o600) // in case a umask or ACL widened it
      await fh.writeFile(`${JSON.stringify(body, null, 2)}\n`)
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await fsp.link(tmp, file)
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST')
        throw new MintmarkError('KEY_INVALID', `A key file ${shownName(file)} already exists; refusing to overwrite it.`)
      throw cause
    }
    const dh = await fsp.open(dir, 'r')
    try {
      await dh.sync()
    } finally {
      await dh.close()
    }
  } catch (cause) {
    if (cause instanceof MintmarkError) throw cause
    throw new MintmarkError('STORE_IO', `Could not write the key file ${shownName(file)}.`, { cause })
  } finally {
    await fsp.rm(tmp, { force: true })
  }
}
