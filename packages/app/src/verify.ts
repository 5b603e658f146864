import { promises as fsp } from 'node:fs'
import { type BundleVerificationReport, type Check, MintmarkError, deriveVerdict, parseBundle, verifyBundle } from '@mintmark/core'
import { hashFile } from '@mintmark/storage'
import { checkAnchors, type RpcUrls } from './anchor-checks.js'
import { devChainId, devChainName } from './chain.js'
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
export type VerifyFileParameters = {
  /** RPC URLs by chain id; the home's chains (or its dev chain) fill in the rest. */
  rpc?: RpcUrls | undefined
}

export async function verifyFile(ctx: AppContext, file: string, parameters: VerifyFileParameters = {}): Promise<VerifyReport> {
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
  const anchorChecks: Check[] = []
  if (bundle.anchors.length) {
    const chainIds = [...new Set(bundle.anchors.map((a) => a.chainId))].filter((id) => parameters.rpc?.[id] === undefined)
    const rpc = { ...(await ctx.chains.rpcUrls(chainIds)), ...parameters.rpc }
    anchorChecks.push(...(await checkAnchors(bundle, rpc)))
  }
  // The home's chains that hold no anchor of this record yet, said per chain (no network needed).
  const homeChains = ctx.config.chains?.length ? ctx.config.chains : [{ name: devChainName, chainId: devChainId }]
  for (const chain of homeChains)
    if (!bundle.anchors.some((a) => a.chainId === chain.chainId))
      anchorChecks.push({
        code: 'CHAIN_ANCHOR',
        status: 'skip',
        detail: `Not anchored on ${chain.name} (${chain.chainId}) yet: no anchored checkpoint there covers entry ${first.index} (run \`mintmark anchor\`).`,
      })
  const report = verifyBundle({ bundle, content, trustedLogKeys: [ctx.logKey], ed25519Verify: nodeEd25519Verify, anchorChecks })
  return {
    ...report,
    claims: entries.map((e) => ({ logIndex: e.index, creator: e.entry.statement.creator, createdAt: e.entry.statement.createdAt })),
  }
}

export type VerifyOfflineParameters = {
  file?: string | undefined
  bundlePath: string
  trustedLogKeys?: readonly string[] | undefined
  /** RPC URLs by chain id to check the bundle's anchors against; a chain without one is skipped. */
  rpc?: RpcUrls | undefined
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
  const anchorChecks = bundle.anchors.length ? await checkAnchors(bundle, parameters.rpc ?? {}) : undefined
  return verifyBundle({ bundle, content, trustedLogKeys: parameters.trustedLogKeys, ed25519Verify: nodeEd25519Verify, anchorChecks })
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
