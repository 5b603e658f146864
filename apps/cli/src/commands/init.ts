import { defaultHome, initHome } from '@mintmark/app'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark init [--home DIR] [--profile unixfs-v1-2025|kubo-v1] [--json]
  Creates the home (./.mintmark or $MINTMARK_HOME): SQLite store, blob store, an Ed25519 did:key
  and the log key. Set MINTMARK_PASSPHRASE to encrypt the creator key (scrypt + AES-256-GCM).`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { profile: { type: 'string' } })
  const profile = values.profile
  if (profile !== undefined && profile !== 'unixfs-v1-2025' && profile !== 'kubo-v1')
    throw usage(`Unknown CID profile ${JSON.stringify(profile)}.`)
  const result = await initHome({ home: values.home ?? defaultHome(io.env), passphrase: io.env.MINTMARK_PASSPHRASE, profile })
  if (values.json) printJson(io, result)
  else
    io.stdout(
      `${result.created ? 'Initialised' : 'Already initialised:'} ${result.home}\n  creator  ${result.creator}\n  log      ${result.logOrigin}\n  log key  ${result.logKey}\n`,
    )
  return 0
}
