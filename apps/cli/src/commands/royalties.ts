import { defaultHome, openApp } from '@mintmark/app'
import { royalties } from '@mintmark/app/chain'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark royalties [--account 0x…]... [--currency 0x…]... [--chain NAME] [--withdraw] [--json]
  Shows the royalties the licences contract holds for the account (default the chain's key; on the
  dev chain any dev account may be named) per currency: ETH, the currencies of this home's offers
  and any --currency. --withdraw pays them out to each account the app holds the key of.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    account: { type: 'string', multiple: true },
    currency: { type: 'string', multiple: true },
    chain: { type: 'string' },
    withdraw: { type: 'boolean' },
  })
  if (positionals.length) throw usage('royalties takes no arguments.')
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    const result = await royalties(ctx, { accounts: values.account, currencies: values.currency, withdraw: values.withdraw, chain: values.chain })
    if (values.json) printJson(io, result)
    else
      for (const c of result.chains) {
        io.stdout(`${c.chain} (${c.chainId})\n`)
        for (const a of c.accounts) {
          for (const o of a.owed) io.stdout(`  ${a.account}  owed ${o.amount} (${o.currency})\n`)
          for (const w of a.withdrawn) io.stdout(`  ${a.account}  withdrew ${w.amount} (${w.currency}) tx ${w.txHash}\n`)
        }
      }
    return 0
  } finally {
    await ctx.close()
  }
}
