import { MintmarkError } from '@mintmark/core'

/** Where a failed request went: enough to find it in the server's logs, never a credential. */
export type S3Target = { action: string; bucket: string; key?: string | undefined; endpoint: string }

type SdkErrorShape = {
  name?: unknown
  message?: unknown
  Code?: unknown
  code?: unknown
  $metadata?: { httpStatusCode?: number; requestId?: string }
}

// S3 error codes that mean "these credentials may not do this" (wrong key, bad signature, expired
// session token, a policy that denies the action).
const accessCodes = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'CredentialsProviderError',
])

/** The S3 error code and HTTP status of an AWS SDK error, if it is one. */
export function s3ErrorInfo(error: unknown): { code: string | undefined; status: number | undefined } {
  const e = (error ?? {}) as SdkErrorShape
  const status = e.$metadata?.httpStatusCode
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' && status !== undefined ? e.name : undefined
  return { code, status }
}

/**
 * Translates an AWS SDK (or network) failure into a stable Mintmark code: access refused →
 * `STORE_ACCESS_DENIED`, no such bucket → `STORE_BUCKET_NOT_FOUND`, everything else (refused or
 * dropped connections, timeouts, throttling, 5xx) → `STORE_IO` (retryable).
 *
 * The SDK's error is not kept as `cause`: it carries every field of the server's error document
 * (S3 puts the access key id in `AWSAccessKeyId`, some servers echo the string to sign) and the raw
 * response. The cause is a plain summary instead: error code, HTTP status, request id.
 */
export function toS3StoreError(error: unknown, target: S3Target): MintmarkError {
  if (error instanceof MintmarkError) return error
  const e = (error ?? {}) as SdkErrorShape
  const { code, status } = s3ErrorInfo(error)
  const name = typeof e.name === 'string' ? e.name : 'Error'
  const errno = typeof e.code === 'string' ? e.code : undefined
  const requestId = e.$metadata?.requestId
  const summary = [code ?? errno ?? name, status === undefined ? undefined : `HTTP ${status}`, requestId ? `request id ${requestId}` : undefined]
    .filter((part) => part !== undefined)
    .join(', ')
  const cause = Object.assign(new Error(summary), { name })
  const where = `s3://${target.bucket}/${target.key ?? ''}`
  const details = `${target.action} ${where} at ${target.endpoint}: ${summary}`

  // A bucket in another region than the one configured answers 301 (or 400 naming the region).
  if (code === 'NoSuchBucket' || code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301)
    return new MintmarkError('STORE_BUCKET_NOT_FOUND', `The S3 bucket "${target.bucket}" does not exist at this endpoint and region.`, {
      cause,
      details,
      metaMessages: ['Create the bucket, or fix the configured bucket name, endpoint and region.'],
    })
  if (status === 403 || status === 401 || (code !== undefined && accessCodes.has(code)) || name === 'CredentialsProviderError')
    return new MintmarkError('STORE_ACCESS_DENIED', `The S3 store refused the credentials for ${target.action}.`, {
      cause,
      details,
      metaMessages: [
        'Check the access key and secret (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN or the configured credentials)',
        'and that they may s3:GetObject, s3:PutObject and s3:ListBucket on the bucket.',
      ],
    })
  if (typeof e.message === 'string' && /region is missing/i.test(e.message))
    return new MintmarkError('INPUT_INVALID', 'No S3 region is configured.', {
      cause,
      metaMessages: ['Pass `region`, or set AWS_REGION.'],
    })
  return new MintmarkError('STORE_IO', `The S3 store could not complete ${target.action}.`, { cause, details })
}

/**
 * The endpoint as it may appear in messages: scheme, host and port only. An endpoint carrying
 * credentials (user:password@) is refused by the factory, so none ever reaches here.
 */
export function describeEndpoint(endpoint: string | undefined): string {
  if (!endpoint) return 'the AWS S3 endpoint of the region'
  return new URL(endpoint).origin
}
