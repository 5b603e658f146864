import type { Manifest } from './manifest-schema.js'
import { assertManifest, type ManifestErrorType } from './parse-manifest.js'

/** What a caller provides: everything but `type`/`version`; empty lists may be left out. */
export type ManifestInput = Omit<Manifest, 'type' | 'version' | 'datasets' | 'parents' | 'edits'> &
  Partial<Pick<Manifest, 'datasets' | 'parents' | 'edits'>>

export type CreateManifestErrorType = ManifestErrorType

/**
 * Builds a v1 manifest: fills `type` and `version`, defaults `datasets`, `parents` and `edits` to
 * empty lists, and validates. Throws `MANIFEST_SCHEMA_INVALID` or `MANIFEST_ROYALTY_SPLIT_INVALID`
 * with `fields` set to the failing paths. The result holds only schema fields (a fresh object).
 *
 * @example
 * const manifest = createManifest({
 *   asset: { cid, sha256, size, mediaType: 'image/png' },
 *   digitalSourceType: 'trainedAlgorithmicMedia',
 *   rights: { owner: did, license: { spdx: 'CC-BY-4.0' }, royalties: [{ payee: did, bps: 10000 }] },
 *   creator: did,
 *   createdAt: '2025-01-01T00:00:00Z',
 * })
 */
export function createManifest(input: ManifestInput): Manifest {
  const value =
    input !== null && typeof input === 'object'
      ? { type: 'mintmark.manifest', version: 1, datasets: [], parents: [], edits: [], ...input }
      : input
  return assertManifest(value)
}
