import { z } from 'zod'
import { manifestSchema } from './manifest-schema.js'

/**
 * The JSON Schema (draft 2020-12) of manifest v1, generated from the zod schema. Refinements that
 * JSON Schema cannot express (royalty sum, unique payees, prompt hash, EIP-55 checksum) are
 * enforced by {@link assertManifest} only. Published as `packages/core/schema/manifest.v1.schema.json`.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, { target: 'draft-2020-12' }) as Record<string, unknown>
}
