import { MintmarkError } from '../errors/base.js'

export type SplitAmountErrorType = MintmarkError<'INPUT_INVALID' | 'MANIFEST_ROYALTY_SPLIT_INVALID'>

/**
 * Splits `amount` (smallest currency unit) among royalty payees by basis points, exactly:
 * each payee first gets ⌊amount·bps/10000⌋, then the dust (at most n−1 units) goes one unit each
 * to the payees whose share had a remainder, in listed order: exactly what MintmarkLicenses
 * credits on-chain (`computeSplit`), so a prediction made here is what the contract pays. So Σ = amount, and no
 * payee gets more than ⌈amount·bps/10000⌉. Throws `INPUT_INVALID` for a negative amount and
 * `MANIFEST_ROYALTY_SPLIT_INVALID` unless the shares are positive integers summing to 10000.
 *
 * @example
 * splitAmount(101n, [{ payee: 'a', bps: 5000 }, { payee: 'b', bps: 5000 }])
 * // [{ payee: 'a', amount: 51n }, { payee: 'b', amount: 50n }]
 */
export function splitAmount<payee>(
  amount: bigint,
  royalties: readonly { payee: payee; bps: number }[],
): Array<{ payee: payee; amount: bigint }> {
  if (typeof amount !== 'bigint' || amount < 0n)
    throw new MintmarkError('INPUT_INVALID', 'The amount to split must be a non-negative bigint.')
  if (!Array.isArray(royalties) || royalties.length === 0 || royalties.some((r) => !Number.isInteger(r?.bps) || r.bps < 1 || r.bps > 10_000))
    throw new MintmarkError('MANIFEST_ROYALTY_SPLIT_INVALID', 'Royalty shares must be integers from 1 to 10000 bps.')
  const total = royalties.reduce((s, r) => s + r.bps, 0)
  if (total !== 10_000)
    throw new MintmarkError('MANIFEST_ROYALTY_SPLIT_INVALID', `Royalty shares sum to ${total} bps, not 10000.`)
  const shares = royalties.map((r, index) => {
    const scaled = amount * BigInt(r.bps)
    return { index, base: scaled / 10_000n, remainder: scaled % 10_000n }
  })
  let dust = amount - shares.reduce((s, x) => s + x.base, 0n)
  const extra = new Array<bigint>(royalties.length).fill(0n)
  for (const s of shares) {
    if (dust === 0n) break
    if (s.remainder === 0n) continue
    extra[s.index] = 1n
    dust -= 1n
  }
  return royalties.map((r, i) => ({ payee: r.payee, amount: (shares[i] as (typeof shares)[number]).base + (extra[i] as bigint) }))
}
