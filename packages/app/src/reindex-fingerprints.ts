import { MintmarkError } from '@mintmark/core'
import type { BlobStore, FingerprintInput, SqliteStore } from '@mintmark/storage'
import { fingerprintImage, isFingerprintable, pdqAlgorithm, pdqEqualisedAlgorithm } from './fingerprints.js'

export type ReindexFingerprintsOptions = {
  /** Called after each asset with the assets scanned so far and the total. */
  onProgress?: ((progress: { scanned: number; total: number }) => void) | undefined
}

export type ReindexFingerprintsReport = {
  /** Every registered asset looked at. */
  scanned: number
  /** Image assets that got at least one missing fingerprint. */
  updated: number
  /** Image assets that already had every fingerprint register computes. */
  complete: number
  /** Assets that are not images PDQ reads (nothing to fingerprint). */
  skippedNotImages: number
  fingerprintsAdded: number
  /** Assets whose blob could not be read or decoded, with the error code; the scan went on. */
  failed: { cid: string; code: string; message: string }[]
}

const page = 500

/**
 * Backfills fingerprints (homes registered before migration 3, or before register stored the crop
 * and equalised fingerprints): for every image asset whose stored fingerprints may be missing
 * one of the kinds register computes today, reads its blob, computes them (`fingerprintImage`)
 * and stores the missing ones, one transaction per asset. Idempotent and restartable: what is
 * stored is never recomputed into a second row, so a re-run adds nothing.
 *
 * An asset with at least the 3 `pdq` and 1 `pdq-equalised` rows register writes for a photo is
 * taken as complete without reading its blob; any other image is decoded and compared (small
 * images legitimately have fewer rows: decoding them again finds nothing to add).
 *
 * A blob that is missing, corrupt (`BLOB_NOT_FOUND`, `CONTENT_HASH_MISMATCH`) or not a decodable
 * image (`IMAGE_INVALID`, …) is reported in `failed` with its code and the scan continues.
 */
export async function reindexFingerprints(
  ctx: { store: Pick<SqliteStore, 'assetsAfter' | 'assetCount' | 'fingerprintsOf' | 'addFingerprints'>; blobs: Pick<BlobStore, 'get'> },
  options: ReindexFingerprintsOptions = {},
): Promise<ReindexFingerprintsReport> {
  const report: ReindexFingerprintsReport = { scanned: 0, updated: 0, complete: 0, skippedNotImages: 0, fingerprintsAdded: 0, failed: [] }
  const total = ctx.store.assetCount()
  let after = ''
  for (;;) {
    const assets = ctx.store.assetsAfter(after, page)
    if (assets.length === 0) break
    for (const { cid, mediaType } of assets) {
      report.scanned++
      if (!isFingerprintable(mediaType)) report.skippedNotImages++
      else {
        const stored = ctx.store.fingerprintsOf(cid)
        const count = (algorithm: string) => stored.filter((f) => f.algorithm === algorithm).length
        if (count(pdqAlgorithm) >= 3 && count(pdqEqualisedAlgorithm) >= 1) report.complete++
        else {
          let computed: FingerprintInput[]
          try {
            computed = await fingerprintImage(await ctx.blobs.get(cid), mediaType)
          } catch (error) {
            if (!(error instanceof MintmarkError)) throw error
            report.failed.push({ cid, code: error.code, message: error.shortMessage })
            options.onProgress?.({ scanned: report.scanned, total })
            continue
          }
          const have = new Set(stored.map((f) => `${f.algorithm}:${Buffer.from(f.hash).toString('hex')}`))
          const missing = computed.filter((f) => !have.has(`${f.algorithm}:${Buffer.from(f.hash).toString('hex')}`))
          const added = missing.length ? ctx.store.addFingerprints(missing.map((fingerprint) => ({ assetCid: cid, fingerprint }))) : 0
          if (added > 0) {
            report.updated++
            report.fingerprintsAdded += added
          } else report.complete++
        }
      }
      options.onProgress?.({ scanned: report.scanned, total })
    }
    after = (assets.at(-1) as { cid: string }).cid
  }
  return report
}
