import { MintmarkError } from '@mintmark/core'
import { homePaths, readConfig, writeConfig } from './home.js'
import type { AppContext } from './open-app.js'

export type FreezeLogReturnType = { size: number; rootHash: string; note: string; frozenAt: string; alreadyFrozen: boolean }

/**
 * Freezes the log: its final checkpoint is signed (covering every entry), then the home's config
 * records the freeze, after which every append — in this process or any other on the home —
 * fails with LOG_FROZEN. Reads, proofs, bundles and verification go on as before. This is how the
 * log key is retired (ADR 0016): freeze, anchor the final checkpoint, start a new log.
 *
 * Freezing a frozen log changes nothing and reports the freeze already recorded. A log that grew
 * after its final checkpoint (a writer that raced the freeze) is reported by `mintmark audit`.
 */
export async function freezeLog(ctx: AppContext, parameters: { reason?: string | undefined } = {}): Promise<FreezeLogReturnType> {
  const file = homePaths(ctx.home).config
  const config = await readConfig(file)
  if (config.frozen) {
    const c = await ctx.store.getCheckpoint(config.frozen.size)
    if (!c) throw new MintmarkError('STORE_CORRUPT', `The log was frozen at size ${config.frozen.size} but holds no checkpoint of that size.`)
    return { size: c.size, rootHash: Buffer.from(c.rootHash).toString('hex'), note: c.note, frozenAt: config.frozen.at, alreadyFrozen: true }
  }
  if ((await ctx.store.size()) === 0) throw new MintmarkError('USAGE_INVALID', 'The log is empty: there is nothing to freeze.')
  const final = await ctx.issueCheckpoint()
  const frozenAt = ctx.clock.now().toISOString()
  await writeConfig(file, { ...config, frozen: { at: frozenAt, size: final.size, ...(parameters.reason ? { reason: parameters.reason } : {}) } })
  return { size: final.size, rootHash: final.rootHash, note: final.note, frozenAt, alreadyFrozen: false }
}
