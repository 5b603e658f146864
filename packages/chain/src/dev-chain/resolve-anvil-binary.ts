import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { MintmarkError } from '@mintmark/core'

/**
 * The anvil binary: `MINTMARK_ANVIL_BIN` if set, else the one in the `@foundry-rs/anvil-<os>-<cpu>`
 * npm package (installed offline with the repository, unlike foundryup). Throws
 * DEVCHAIN_BINARY_NOT_FOUND naming where it looked.
 * @internal
 */
export function resolveAnvilBinary(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.MINTMARK_ANVIL_BIN
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv
    throw notFound([`MINTMARK_ANVIL_BIN=${fromEnv} does not exist.`])
  }
  const cpu = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${cpu}`
  try {
    const manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`)
    const bin = path.join(path.dirname(manifest), 'bin', 'anvil')
    if (existsSync(bin)) return bin
    throw notFound([`${pkg} is installed but has no bin/anvil.`])
  } catch (error) {
    if (error instanceof MintmarkError) throw error
    throw notFound([`${pkg} is not installed.`], error)
  }
}

function notFound(metaMessages: string[], cause?: unknown): MintmarkError<'DEVCHAIN_BINARY_NOT_FOUND'> {
  return new MintmarkError('DEVCHAIN_BINARY_NOT_FOUND', 'The anvil binary for the dev chain was not found.', {
    cause,
    metaMessages: [...metaMessages, 'Install the @foundry-rs/anvil package for this platform or set MINTMARK_ANVIL_BIN.'],
  })
}
