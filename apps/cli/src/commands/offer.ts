import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { defaultHome, openApp } from '@mintmark/app'
import { createOffer, parsePrice } from '@mintmark/app/chain'
import { parse, usage } from '../args.js'
import type { Io } from '../output.js'

export const help = `mintmark offer create <cid> --price AMOUNT [options] [--json]
  Builds a licence offer (EIP-712) from the asset's manifest royalty split, signs it with the
  seller key (the chain's key; a dev account on the local dev chain), stores it and writes it.
  --price 0.01ETH | 5gwei | 1000wei | 1000 (base units of --currency)
  --currency 0x…              an allowed ERC-20 (default ETH)
  --supply N                  most licences sold (default unlimited)
  --expires 30d               lifetime: Ns, Nm, Nh or Nd (default 30d)
  --payee DID=0x… ...         the address a DID payee of the split is paid at
  --derivative-share PAYEE=PCT% ...  a share every derivative's offers must give (upstream royalty)
  --chain NAME                the chain to sell on (default the first)
  -o FILE                     also write the offer JSON to FILE`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    price: { type: 'string' },
    currency: { type: 'string' },
    supply: { type: 'string' },
    expires: { type: 'string' },
    payee: { type: 'string', multiple: true },
    'derivative-share': { type: 'string', multiple: true },
    chain: { type: 'string' },
    output: { type: 'string', short: 'o' },
  })
  const [verb, cid] = positionals
  if (verb !== 'create' || !cid || positionals.length !== 2) throw usage('usage: mintmark offer create <cid> --price AMOUNT [options]')
  if (!values.price) throw usage('offer create needs --price (e.g. 0.01ETH).')
  const price = parsePrice(values.price)
  const supply = values.supply === undefined ? undefined : Number(values.supply)
  if (supply !== undefined && !Number.isSafeInteger(supply)) throw usage('--supply must be a whole number.')
  const payees: Record<string, string> = {}
  for (const p of values.payee ?? []) {
    const i = p.lastIndexOf('=')
    if (i <= 0) throw usage(`--payee takes DID=0xADDRESS; got ${JSON.stringify(p)}.`)
    payees[p.slice(0, i)] = p.slice(i + 1)
  }
  const derivativeShares = (values['derivative-share'] ?? []).map((s) => {
    const m = /^(.+)=(\d+(?:\.\d{1,2})?)%$/.exec(s)
    if (!m) throw usage(`--derivative-share takes PAYEE=PCT%; got ${JSON.stringify(s)}.`)
    return { payee: m[1] as string, bps: Math.round(Number(m[2]) * 100) }
  })
  const ctx = await openApp({ home: values.home ?? defaultHome(io.env), env: io.env })
  try {
    const doc = await createOffer(ctx, {
      cid,
      price,
      currency: values.currency as `0x${string}` | undefined,
      supply,
      expiresInSeconds: values.expires === undefined ? undefined : parseDuration(values.expires),
      payees,
      derivativeShares,
      chain: values.chain,
    })
    const text = `${JSON.stringify(doc, null, 2)}\n`
    if (values.output) await fsp.writeFile(path.resolve(io.cwd, values.output), text)
    if (values.json) io.stdout(text)
    else {
      io.stdout(`offer ${doc.offerHash}\n  asset    ${doc.assetCid}\n  chain    ${doc.chainId} contract ${doc.contract}\n  price    ${doc.offer.price} (${doc.offer.currency})\n`)
      for (const p of doc.offer.payees) io.stdout(`  payee    ${p.account} ${(p.bps / 100).toFixed(2)}%\n`)
      if (values.output) io.stdout(`wrote ${path.resolve(io.cwd, values.output)}\n`)
    }
    return 0
  } finally {
    await ctx.close()
  }
}

function parseDuration(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text.trim())
  if (!m) throw usage(`--expires takes a duration like 3600s, 90m, 12h or 30d; got ${JSON.stringify(text)}.`)
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd']
}
