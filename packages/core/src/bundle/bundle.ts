import { z } from 'zod'
import { parseJson } from '../canonical/index.js'
import { MintmarkError } from '../errors/base.js'
import { errorFromIssues } from '../errors/from-zod.js'
import { hex32Schema, logEntrySchema } from '../log/log-entry.js'

export const bundleMediaType = 'application/vnd.mintmark.bundle.v1+json'

/** An on-chain commitment to a checkpoint (filled in by the anchorer; verified against an RPC). */
export const anchorSchema = z
  .object({
    chainId: z.number().int().positive(),
    contract: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    logId: z.string().regex(/^0x[0-9a-f]{64}$/),
    treeSize: z.number().int().positive(),
    rootHash: hex32Schema,
    txHash: z.string().regex(/^0x[0-9a-f]{64}$/),
    blockNumber: z.number().int().nonnegative(),
    blockHash: z.string().regex(/^0x[0-9a-f]{64}$/),
  })
  .strict()

/**
 * A provenance bundle: everything needed to verify one record offline. The log part verifies with
 * nothing else; anchors verify against any RPC of the chain named.
 */
export const bundleSchema = z
  .object({
    mediaType: z.literal(bundleMediaType),
    entry: logEntrySchema,
    inclusion: z
      .object({
        logIndex: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
        treeSize: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
        hashes: z.array(hex32Schema).max(64),
      })
      .strict(),
    /** The C2SP signed note holding the checkpoint the proof leads to. */
    checkpoint: z.string().min(1).max(16_384),
    /** The log's note verifier key (`name+hash+base64`). */
    logKey: z.string().min(1).max(1024),
    anchors: z.array(anchorSchema).max(64),
  })
  .strict()

export type ProvenanceBundle = z.infer<typeof bundleSchema>
export type Anchor = z.infer<typeof anchorSchema>

/** Validates a parsed JSON value as a bundle; throws BUNDLE_INVALID with the failing field paths. */
export function bundleFromJSON(value: unknown): ProvenanceBundle {
  if (value !== null && typeof value === 'object' && 'mediaType' in value) {
    const mt = (value as { mediaType: unknown }).mediaType
    if (typeof mt === 'string' && mt.startsWith('application/vnd.mintmark.bundle.') && mt !== bundleMediaType)
      throw new MintmarkError('BUNDLE_VERSION_UNSUPPORTED', `Bundle media type ${JSON.stringify(mt.slice(0, 80))} is not supported.`, {
        metaMessages: [`Supported: ${bundleMediaType}`],
      })
  }
  const parsed = bundleSchema.safeParse(value)
  if (!parsed.success) throw errorFromIssues('BUNDLE_INVALID', 'The provenance bundle is malformed.', parsed.error.issues)
  return parsed.data
}

/** Parses bundle text (strict I-JSON) and validates it. */
export function parseBundle(text: string): ProvenanceBundle {
  return bundleFromJSON(parseJson(text))
}

/** The wire form of a bundle (stable key order is not required; JSON.stringify is enough). */
export function bundleToJSON(bundle: ProvenanceBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`
}
