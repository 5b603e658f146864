import { type CidProfileName, MintmarkError } from '@mintmark/core'
import { type BlobStore, createFsBlobStore } from '@mintmark/storage'
import { z } from 'zod'

/**
 * Where a home keeps asset bytes: its own directory (default) or an S3-compatible bucket. No
 * secrets here: S3 credentials come from the AWS SDK's chain (AWS_ACCESS_KEY_ID, …).
 */
export const blobsConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('fs') }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().min(3).max(255),
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    region: z.string().min(1).max(64).optional(),
    forcePathStyle: z.boolean().optional(),
    prefix: z.string().max(512).optional(),
  }),
])
export type BlobsConfig = z.infer<typeof blobsConfigSchema>

/**
 * The blob configuration in force: `MINTMARK_S3_BUCKET` (with `MINTMARK_S3_ENDPOINT`,
 * `MINTMARK_S3_REGION`, `MINTMARK_S3_FORCE_PATH_STYLE=1`) overrides the config file's `blobs`.
 */
export function resolveBlobsConfig(fromFile: BlobsConfig | undefined, env: NodeJS.ProcessEnv): BlobsConfig {
  const bucket = env.MINTMARK_S3_BUCKET
  if (!bucket) return fromFile ?? { type: 'fs' }
  const parsed = blobsConfigSchema.safeParse({
    type: 's3',
    bucket,
    ...(env.MINTMARK_S3_ENDPOINT ? { endpoint: env.MINTMARK_S3_ENDPOINT } : {}),
    ...(env.MINTMARK_S3_REGION ? { region: env.MINTMARK_S3_REGION } : {}),
    ...(env.MINTMARK_S3_FORCE_PATH_STYLE ? { forcePathStyle: /^(1|true|yes)$/i.test(env.MINTMARK_S3_FORCE_PATH_STYLE) } : {}),
  })
  if (!parsed.success)
    throw new MintmarkError('CONFIG_INVALID', 'The MINTMARK_S3_* environment variables are not valid.', {
      fields: parsed.error.issues.map((i) => `MINTMARK_S3_${String(i.path[0] ?? '').replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`),
      details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    })
  return parsed.data
}

/** Opens the configured blob store; the S3 client (the AWS SDK) loads only when S3 is chosen. */
export async function openBlobStore(config: BlobsConfig, p: { root: string; profile: CidProfileName }): Promise<BlobStore> {
  if (config.type === 'fs') return createFsBlobStore({ root: p.root, profile: p.profile })
  const { createS3BlobStore } = await import('@mintmark/storage/s3')
  const { type, ...options } = config
  return createS3BlobStore({ ...options, profile: p.profile })
}
