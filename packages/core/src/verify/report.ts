import type { ErrorCode } from '../errors/codes.js'
import { MintmarkError } from '../errors/base.js'

/** The stable names of the checks the verifier runs, in the order it runs them. */
export type CheckCode =
  | 'BUNDLE_FORMAT'
  | 'CONTENT_ADDRESS'
  | 'STATEMENT_SCHEMA'
  | 'STATEMENT_SIGNATURE'
  | 'LOG_INCLUSION'
  | 'CHECKPOINT_SIGNATURE'
  | 'LOG_KEY_TRUSTED'
  | 'CHAIN_ANCHOR'
  | 'RECORD_FOUND'
  | 'FINGERPRINT_MATCH'

export type CheckStatus = 'pass' | 'fail' | 'skip'

/** One step of a verification. A failed check names the error code the failure is. */
export type Check = { code: CheckCode; status: CheckStatus; detail: string; error?: ErrorCode }

export type Verdict = 'verified' | 'failed' | 'unknown'

/** Checks that must pass (not skip) for a record to be "verified". */
const requiredForVerified: readonly CheckCode[] = ['STATEMENT_SIGNATURE', 'LOG_INCLUSION', 'CHECKPOINT_SIGNATURE']

/**
 * Derives the verdict from the checks alone: any failure is "failed"; "verified" needs every
 * required check to have passed. Nothing else can make a report verified.
 */
export function deriveVerdict(checks: readonly Check[]): Verdict {
  if (checks.some((c) => c.status === 'fail')) return 'failed'
  const passed = new Set(checks.filter((c) => c.status === 'pass').map((c) => c.code))
  return requiredForVerified.every((c) => passed.has(c)) ? 'verified' : 'unknown'
}

/** Throws the error of the first failing check, or VERIFICATION_FAILED when nothing failed but the verdict is not "verified". */
export function assertVerified(report: { verdict: Verdict; checks: readonly Check[] }): void {
  if (report.verdict === 'verified') return
  const failed = report.checks.find((c) => c.status === 'fail')
  if (failed) throw new MintmarkError(failed.error ?? 'VERIFICATION_FAILED', failed.detail)
  throw new MintmarkError('VERIFICATION_FAILED', `The record could not be verified (verdict: ${report.verdict}).`)
}
