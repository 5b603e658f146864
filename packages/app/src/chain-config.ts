import { z } from 'zod'

/** The local anvil dev chain a home uses when config.json lists no chain. */
export const devChainId = 31337
export const devChainName = 'dev'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address')

/** One EVM chain in the home's config.json `chains` list. */
export const chainConfigSchema = z.strictObject({
  /** A short name for commands (`--chain NAME`) and output. */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'expected a short lowercase name'),
  chainId: z.int().positive(),
  rpcUrl: z.url({ protocol: /^(https?|wss?)$/ }),
  contracts: z.strictObject({ anchor: address, licenses: address }),
  /** Blocks, the anchor's own included, before an anchor is final. */
  confirmations: z.int().min(1).max(10_000).default(1),
  /** A file holding the operator's 0x-hex private key (mode 0600); else $MINTMARK_CHAIN_KEY. */
  keyFile: z.string().min(1).optional(),
})

export const chainsConfigSchema = z
  .array(chainConfigSchema)
  .max(16)
  .superRefine((chains, ctx) => {
    const names = new Set<string>()
    const ids = new Set<number>()
    chains.forEach((c, i) => {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `chain name ${c.name} appears twice` })
      if (ids.has(c.chainId)) ctx.addIssue({ code: 'custom', path: [i, 'chainId'], message: `chain id ${c.chainId} appears twice` })
      names.add(c.name)
      ids.add(c.chainId)
    })
  })

/** A chain as configured, defaults applied. */
export type ChainConfig = z.output<typeof chainConfigSchema>
