import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { defaultHome, openApp } from '@mintmark/app'
import { buyLicense, parseOfferDocument } from '@mintmark/app/chain'
import { MintmarkError, parseJson } from '@mintmark/core'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark license buy <offer.json|offerHash> [--quantity N] [--json]
  Buys licences under a signed offer and pays its royalty split on chain. The buyer is the chain's
  key (on the local dev chain, a dev account other than the seller). Prints the licence token id
  (ERC-1155, id = the offer hash) and the transaction.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { quantity: { type: 'string' } })
  const [verb, target] = positionals
  if (verb !== 'buy' || !target || positionals.length !== 2) throw usage('usage: mintmark license buy <offer.json|offerHash> [--quantity N]')
  const quantity = values.quantity === undefined ? 1 : Number(values.quantity)
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw usage('--quantity must be a whole number ≥ 1.')
  let offer: Parameters<typeof buyLicense>[1]['offer']
  if (/^0x[0-9a-fA-F]{64}$/.test(target)) offer = target
  else {
    let text: string
    try {
      text = await fsp.readFile(path.resolve(io.cwd, target), 'utf8')
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code
      throw new MintmarkError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `Cannot read offer ${target}.`, { cause })
    }
    offer = parseOfferDocument(parseJson(text))
  }
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    const bought = await buyLicense(ctx, { offer, quantity })
    if (values.json) printJson(io, bought)
    else
      io.stdout(
        `bought ${bought.quantity} licence(s) on ${bought.chain} (${bought.chainId})\n  token id  ${bought.tokenId}\n  paid      ${bought.amount} (${bought.currency})\n  buyer     ${bought.buyer}\n  tx        ${bought.txHash} (block ${bought.blockNumber})\n`,
      )
    return 0
  } finally {
    await ctx.close()
  }
}
