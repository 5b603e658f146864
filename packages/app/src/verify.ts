import { promises as fsp } from 'node:fs'
import { type BundleVerificationReport, type Check, MintmarkError, deriveVerdict, parseBundle, verifyBundle } from '@mintmark/core'
import { hashFile } from '@mintmark/storage'
import { nodeEd25519Verify } from './node-signer.js'
import type { AppContext } from './open-app.js'

export type VerifyReport = BundleVerificationReport & {
  /** Every claim on this content in the log, oldest first; the first is the one verified. */
  claims?: { logIndex: number; creator: string; createdAt: string }[]
}

/**
 * Verifies a file against the local log: hashes it, finds the first registration of its content,
 * and verifies that record's bundle. Content with no record gives verdict "unknown".
 */
export async function verifyFile(ctx: AppContext, file: string): Promise<VerifyReport> {
  const content = await hashFile(file, { profile: ctx.config.profile })
  const entries = ctx.entriesFor(content.cid)
  if (!entries.length) {
    const checks: Check[] = [
      { code: 'CONTENT_ADDRESS', status: 'pass', detail: `The file hashes to ${content.cid}.` },
      { code: 'RECORD_FOUND', status: 'skip', detail: `No record of ${content.cid} in this log.` },
    ]
    return { verdict: deriveVerdict(checks), checks }
  }
  const first = entries[0] as (typeof entries)[number]
  const bundle = await ctx.bundleForEntry(first.index, first.entry)
  const report = verifyBundle({ bundle, content, trustedLogKeys: [ctx.logKey], ed25519Verify: nodeEd25519Verify })
  return {
    ...report,
    claims: entries.map((e) => ({ logIndex: e.index, creator: e.entry.statement.creator, createdAt: e.entry.statement.createdAt })),
  }
}

export type VerifyOfflineParameters = {
  file?: string | undefined
  bundlePath: string
  trustedLogKeys?: readonly string[] | undefined
}

/** Verifies a file against a bundle with nothing else: no store, no network. */
export async function verifyOffline(parameters: VerifyOfflineParameters): Promise<VerifyReport> {
  let text: string
  try {
    text = await fsp.readFile(parameters.bundlePath, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new MintmarkError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `Cannot read bundle ${parameters.bundlePath}.`, { cause })
  }
  const bundle = parseBundle(text)
  const content = parameters.file ? await hashForStatement(parameters.file, bundle.entry.statement.asset) : undefined
  return verifyBundle({ bundle, content, trustedLogKeys: parameters.trustedLogKeys, ed25519Verify: nodeEd25519Verify })
}

/**
 * Hashes a file under the CID profile the record was made with. The CID does not say which chunking
 * made it, so the default profile is tried first and the other only when the bytes are the same
 * (equal sha256) but the CID differs.
 */
async function hashForStatement(file: string, asset: { cid: string; sha256: string }): Promise<{ cid: string; sha256: string }> {
  const first = await hashFile(file, { profile: 'unixfs-v1-2025' })
  if (first.cid === asset.cid || first.sha256 !== asset.sha256) return first
  return hashFile(file, { profile: 'kubo-v1' })
}
