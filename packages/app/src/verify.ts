import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { hexToBytes } from '@noble/hashes/utils.js'
import { type BundleVerificationReport, type Check, MintmarkError, type Verdict, deriveVerdict, parseBundle, verifyBundle } from '@mintmark/core'
import { findSimilarImages } from '@mintmark/media'
import { hashFile } from '@mintmark/storage'
import { type C2paEvidence, c2paMediaTypes, readC2paEvidence } from './c2pa.js'
import { isFingerprintable, storeImageIndexes, withFileName } from './fingerprints.js'
import { hashInMemory } from './hash-in-memory.js'
import { sniffMediaType } from './media-type.js'
import { detectWatermarkBytes } from './watermark.js'
import type { RpcUrls } from './anchor-checks.js'
import { devChainId, devChainName } from './chain-config.js'
import { nodeEd25519Verify } from './node-signer.js'
import type { AppContext } from './open-app.js'
import { verifyMemoFor } from './verify-memo.js'

export type VerifyReport = BundleVerificationReport & {
  /** Every claim on this content in the log, oldest first; the first is the one verified. */
  claims?: { logIndex: number; creator: string; createdAt: string }[]
  /**
   * Content with no exact record: records it may derive from, found by the C2PA reference it
   * carries, this home's watermark, or PDQ similarity. Leads, not verdicts: the report's verdict
   * stays "unknown" (or "failed" when a candidate's own record does not verify).
   */
  candidates?: VerifyCandidate[]
  /** C2PA Content Credentials found in the file: imported evidence, validated but not signed by this log. */
  c2pa?: C2paEvidence
}

export type VerifyCandidate = {
  cid: string
  logIndex: number
  evidence: 'c2pa' | 'watermark' | 'fingerprint'
  /** PDQ bits that differ (fingerprint), of 256. */
  distance?: number
  /** Which rotation/mirror of the file matched (fingerprint). */
  variant?: string
  /** Share of watermark cells read right, and the detector's confidence (watermark). */
  bitAccuracy?: number
  confidence?: number
  detail: string
  /** The candidate's own record, verified from its bundle (its content is not this file's, so CONTENT_ADDRESS is skipped). */
  record: { verdict: Verdict; checks: Check[] }
}

/**
 * Verifies a file against the local log: hashes it, finds the first registration of its content,
 * and verifies that record's bundle. Content with no record gives verdict "unknown".
 */
export type VerifyFileParameters = {
  /** RPC URLs by chain id; the home's chains (or its dev chain) fill in the rest. */
  rpc?: RpcUrls | undefined
  /** PEM certificates trusted for C2PA signers (without them C2PA trust is not judged). */
  c2paTrustAnchorsPem?: readonly string[] | undefined
  /** Look for candidates (C2PA reference, watermark, PDQ) when there is no exact record. Default true. */
  similar?: boolean | undefined
  /** Also match rotated and mirrored copies by PDQ. Default true. */
  dihedral?: boolean | undefined
}

export async function verifyFile(ctx: AppContext, file: string, parameters: VerifyFileParameters = {}): Promise<VerifyReport> {
  const content = await hashFile(file, { profile: ctx.config.profile })
  return verifyContent(ctx, content, file, () => readImage(file), parameters)
}

/**
 * `verifyFile` for bytes already in memory (an upload): the same report, no file written or read.
 * `name` names the bytes in messages and helps sniff the media type.
 */
export async function verifyBytes(ctx: AppContext, bytes: Uint8Array, name: string, parameters: VerifyFileParameters = {}): Promise<VerifyReport> {
  const content = hashInMemory(bytes, ctx.config.profile)
  return verifyContent(ctx, content, name, async () => imageOf(bytes, name), parameters)
}

async function verifyContent(
  ctx: AppContext,
  content: { cid: string; sha256: string; size: number },
  file: string,
  image: () => Promise<{ bytes: Uint8Array; mediaType: string } | undefined>,
  parameters: VerifyFileParameters,
): Promise<VerifyReport> {
  // Claims are read from the store on every call; decoding and verifying them are memoised (verify-memo.ts).
  const memo = verifyMemoFor(ctx)
  const entries = (await ctx.store.entriesForAsset(content.cid)).map((e) => ({ index: e.index, ...memo.entry(e.data) }))
  if (!entries.length) {
    const checks: Check[] = [
      { code: 'CONTENT_ADDRESS', status: 'pass', detail: `The file hashes to ${content.cid}.` },
      { code: 'RECORD_FOUND', status: 'skip', detail: `No record of ${content.cid} in this log.` },
    ]
    const media = parameters.similar === false ? undefined : await image()
    if (!media) return { verdict: deriveVerdict(checks), checks }
    const found = await findCandidates(ctx, media.bytes, media.mediaType, file, parameters)
    checks.push(...found.checks)
    return { verdict: deriveVerdict(checks), checks, candidates: found.candidates, ...(found.c2pa ? { c2pa: found.c2pa } : {}) }
  }
  const first = entries[0] as (typeof entries)[number]
  const bundle = await ctx.bundleForEntry(first.index, first.entry)
  const anchorChecks: Check[] = []
  if (bundle.anchors.length) {
    const chainIds = [...new Set(bundle.anchors.map((a) => a.chainId))].filter((id) => parameters.rpc?.[id] === undefined)
    const rpc = { ...(await ctx.chains.rpcUrls(chainIds)), ...parameters.rpc }
    // Loaded here, not at start-up: viem is only needed when a record has anchors to check.
    const { checkAnchors } = await import('./anchor-checks.js')
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
  const report = memo.verifyBundle({ bundle, content, trustedLogKeys: [ctx.logKey], ed25519Verify: nodeEd25519Verify, anchorChecks }, first.digest)
  // Credentials the file carries are reported as imported evidence; they never change the verdict.
  const media = c2paMediaTypes.has(first.entry.statement.asset.mediaType) ? await image().catch(() => undefined) : undefined
  const c2pa = media ? await readC2paEvidence(media.bytes, media.mediaType, parameters.c2paTrustAnchorsPem).catch(() => undefined) : undefined
  return {
    ...report,
    claims: entries.map((e) => ({ logIndex: e.index, creator: e.entry.statement.creator, createdAt: e.entry.statement.createdAt })),
    ...(c2pa ? { c2pa } : {}),
  }
}

/** Images small enough to hold: their bytes and sniffed type; undefined for anything else. */
const maxImageBytes = 256 * 1024 * 1024
async function readImage(file: string): Promise<{ bytes: Uint8Array; mediaType: string } | undefined> {
  const fh = await fsp.open(file, 'r')
  try {
    const { size } = await fh.stat()
    const header = Buffer.alloc(64)
    const { bytesRead } = await fh.read(header, 0, 64, 0)
    const mediaType = sniffMediaType(header.subarray(0, bytesRead), file)
    if (!isFingerprintable(mediaType) || size > maxImageBytes) return undefined
    return { bytes: new Uint8Array(await fh.readFile()), mediaType }
  } finally {
    await fh.close()
  }
}

function imageOf(bytes: Uint8Array, name: string): { bytes: Uint8Array; mediaType: string } | undefined {
  const mediaType = sniffMediaType(bytes.subarray(0, 64), name)
  return isFingerprintable(mediaType) && bytes.byteLength <= maxImageBytes ? { bytes, mediaType } : undefined
}

/**
 * The records an image with no exact record may come from, in the order of the evidence's
 * strength: a C2PA `org.mintmark.reference` (signed by whoever exported it), this home's
 * watermark (payload = log index), then PDQ within 31 bits. Each candidate's record is verified
 * from its own bundle. Undecodable images are errors (`IMAGE_INVALID`, …), named after the file.
 */
async function findCandidates(ctx: AppContext, bytes: Uint8Array, mediaType: string, file: string, parameters: VerifyFileParameters) {
  const name = path.basename(file)
  const candidates: VerifyCandidate[] = []
  const checks: Check[] = []
  const records = new Map<number, VerifyCandidate['record']>()
  const recordOf = async (index: number): Promise<VerifyCandidate['record']> => {
    let r = records.get(index)
    if (!r) {
      const bundle = await ctx.bundleForEntry(index)
      const report = verifyBundle({ bundle, trustedLogKeys: [ctx.logKey], ed25519Verify: nodeEd25519Verify })
      r = { verdict: report.verdict, checks: report.checks }
      records.set(index, r)
    }
    return r
  }
  const add = async (c: Omit<VerifyCandidate, 'record'>) => {
    if (candidates.some((x) => x.evidence === c.evidence && x.cid === c.cid)) return
    const record = await recordOf(c.logIndex)
    candidates.push({ ...c, record })
    const failed = record.checks.find((k) => k.status === 'fail')
    checks.push(
      failed
        ? {
            code: 'FINGERPRINT_MATCH',
            status: 'fail',
            ...(failed.error ? { error: failed.error } : {}),
            detail: `Candidate record #${c.logIndex} (${c.evidence}) does not verify: ${failed.detail}`,
          }
        : { code: 'FINGERPRINT_MATCH', status: 'pass', detail: `Candidate (${c.evidence}): ${c.detail} Its record verifies; this file is not its content.` },
    )
  }
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw withFileName(error, name)
    }
  }

  // 1. C2PA: a reference to a record of this log.
  const c2pa = await guard(() => readC2paEvidence(bytes, mediaType, parameters.c2paTrustAnchorsPem))
  const ref = c2pa?.mintmark
  if (ref) {
    const byHash = typeof ref.statementHash === 'string' && /^[0-9a-f]{64}$/.test(ref.statementHash) ? await ctx.store.entryByStatementHash(hexToBytes(ref.statementHash)) : undefined
    const index = byHash?.index ?? (typeof ref.logIndex === 'number' ? ref.logIndex : undefined)
    const stored = index === undefined ? undefined : await ctx.store.getEntry(index)
    if (stored?.assetCid) {
      const notes = [
        byHash ? 'the statement hash it names is in this log' : 'only its log index matched (no statement hash in this log)',
        ...(ref.logIndex !== undefined && ref.logIndex !== stored.index ? [`it names log index ${ref.logIndex}, the statement is at #${stored.index}`] : []),
        ...(ref.cid !== undefined && ref.cid !== stored.assetCid ? [`it names CID ${String(ref.cid)}, the record is about ${stored.assetCid}`] : []),
        c2pa.valid ? 'the manifest validates' : `the manifest does NOT validate (${c2pa.validationStatus.join(', ')})`,
      ]
      await add({ cid: stored.assetCid, logIndex: stored.index, evidence: 'c2pa', detail: `C2PA reference to ${stored.assetCid} at log #${stored.index}: ${notes.join('; ')}.` })
    } else {
      checks.push({ code: 'FINGERPRINT_MATCH', status: 'skip', detail: 'The file\'s C2PA manifest names a Mintmark record that is not in this log.' })
    }
  }

  // 2. This home's watermark.
  const mark = await guard(() => detectWatermarkBytes(ctx, bytes))
  if (mark.found && mark.record)
    await add({
      cid: mark.record.cid,
      logIndex: mark.record.logIndex,
      evidence: 'watermark',
      bitAccuracy: mark.bitAccuracy,
      confidence: mark.confidence,
      detail: `Watermark payload ${mark.payload} (log index ${mark.logIndex}) read with bit accuracy ${mark.bitAccuracy.toFixed(3)}, confidence ${mark.confidence.toFixed(6)}.`,
    })
  else if (mark.found)
    checks.push({ code: 'FINGERPRINT_MATCH', status: 'skip', detail: `This home's watermark was found (payload ${mark.payload}) but names no record of this log.` })

  // 3. PDQ similarity.
  const similar = await guard(() => findSimilarImages(storeImageIndexes(ctx.store), bytes, { dihedral: parameters.dihedral ?? true }))
  for (const m of similar.matches) {
    const first = (await ctx.store.entriesForAsset(m.id))[0]
    if (!first) continue
    await add({
      cid: m.id,
      logIndex: first.index,
      evidence: 'fingerprint',
      distance: m.distance,
      variant: m.variant,
      detail: `PDQ hash within ${m.distance} of 256 bits${m.variant === 'original' ? '' : ` (${m.variant})`} of ${m.id} (log #${first.index}); threshold 31.`,
    })
  }
  if (!candidates.length)
    checks.push({ code: 'FINGERPRINT_MATCH', status: 'skip', detail: 'No C2PA reference, watermark or similar image (PDQ within 31 bits) leads to a record of this log.' })
  return { candidates, checks, c2pa }
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
  const anchorChecks = bundle.anchors.length ? await (await import('./anchor-checks.js')).checkAnchors(bundle, parameters.rpc ?? {}) : undefined
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
