import type { z } from 'zod'
import { MintmarkError } from '../errors/base.js'
import { type Manifest, manifestSchema, royaltySplitIssue } from './manifest-schema.js'

export type ManifestErrorType = MintmarkError<'MANIFEST_SCHEMA_INVALID' | 'MANIFEST_ROYALTY_SPLIT_INVALID'>

export type SafeParseManifestReturnType = { success: true; data: Manifest } | { success: false; error: ManifestErrorType }

function pathOf(issue: z.core.$ZodIssue): string {
  return issue.path.map(String).join('.') || '(root)'
}

/** Turns zod issues into one coded error: the royalty code only when that is the sole problem. */
export function manifestErrorFromIssues(issues: readonly z.core.$ZodIssue[]): ManifestErrorType {
  const isRoyalty = (i: z.core.$ZodIssue) => i.code === 'custom' && (i.params as { code?: unknown } | undefined)?.code === royaltySplitIssue
  const fields = [...new Set(issues.map(pathOf))]
  const details = issues
    .slice(0, 8)
    .map((i) => `${pathOf(i)}: ${i.message}`)
    .join('; ')
  if (issues.length > 0 && issues.every(isRoyalty))
    return new MintmarkError('MANIFEST_ROYALTY_SPLIT_INVALID', 'The royalty split must give each payee once and sum to exactly 10000 bps.', {
      fields,
      details,
    })
  return new MintmarkError('MANIFEST_SCHEMA_INVALID', 'The manifest does not match the v1 schema.', { fields, details })
}

/**
 * Validates a value as a v1 manifest without throwing.
 *
 * @example
 * const r = safeParseManifest(value)
 * if (!r.success) console.log(r.error.code, r.error.fields)
 */
export function safeParseManifest(value: unknown): SafeParseManifestReturnType {
  let parsed: ReturnType<typeof manifestSchema.safeParse>
  try {
    parsed = manifestSchema.safeParse(value)
  } catch (cause) {
    // zod can throw on exotic inputs (hostile getters, proxies): still a typed failure.
    return {
      success: false,
      error: new MintmarkError('MANIFEST_SCHEMA_INVALID', 'The manifest could not be read.', { cause, fields: ['(root)'] }),
    }
  }
  if (parsed.success) return { success: true, data: parsed.data }
  return { success: false, error: manifestErrorFromIssues(parsed.error.issues) }
}

/**
 * Returns `value` as a {@link Manifest} or throws `MANIFEST_SCHEMA_INVALID` /
 * `MANIFEST_ROYALTY_SPLIT_INVALID` with `fields` naming every failing path.
 *
 * @example
 * const manifest = assertManifest(parseJson(text))
 */
export function assertManifest(value: unknown): Manifest {
  const r = safeParseManifest(value)
  if (!r.success) throw r.error
  return r.data
}
