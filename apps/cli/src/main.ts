import { MintmarkError } from '@mintmark/core'
import { type Io, exitCodeFor, printJson, processIo, toProblem } from './output.js'

type Command = { help: string; run(argv: string[], io: Io): Promise<number> }

// Each command's module (and what it pulls in: viem, the server, the media codecs) loads only
// when that command runs: a CLI that imports everything up front takes seconds to start.
const commands: Record<string, () => Promise<Command>> = {
  init: () => import('./commands/init.js'),
  register: () => import('./commands/register.js'),
  verify: () => import('./commands/verify.js'),
  show: () => import('./commands/show.js'),
  export: () => import('./commands/export.js'),
  log: () => import('./commands/log.js'),
  anchor: () => import('./commands/anchor.js'),
  chain: () => import('./commands/chain.js'),
  offer: () => import('./commands/offer.js'),
  license: () => import('./commands/license.js'),
  royalties: () => import('./commands/royalties.js'),
  audit: () => import('./commands/audit.js'),
  demo: () => import('./commands/demo.js'),
  watermark: () => import('./commands/watermark.js'),
  fingerprints: () => import('./commands/fingerprints.js'),
  serve: () => import('./commands/serve.js'),
  mcp: () => import('./commands/mcp.js'),
  migrate: () => import('./commands/migrate.js'),
}

const overview = `mintmark: provenance, licensing and royalties for AI-generated media

usage: mintmark <command> [options]   (every command takes --json and --home DIR)

  init        create ./.mintmark (or $MINTMARK_HOME): store, blobs, keys
  register    register files with a signed manifest and append them to the log
  verify      verify a file against the log, or offline against a bundle
  show        show an asset's record, claims and lineage
  export      export a provenance bundle, or an image with C2PA Content Credentials
  log         checkpoint, inclusion and consistency proofs
  anchor      anchor the latest checkpoint on the configured chains (or the local dev chain)
  chain       chain status (reachability, contracts, anchors) and chain sync (index events, reorg-safe)
  offer       create a signed licence offer from an asset's royalty split
  license     buy licences under an offer
  royalties   royalties owed per account and currency; --withdraw pays them out
  audit       re-derive and check everything stored
  watermark   embed or detect the home's invisible watermark (payload: a log index)
  fingerprints reindex: compute the fingerprints missing from registered images (older homes)
  serve       the HTTP API and MCP at /mcp; serve api-key creates write keys
  mcp         MCP tools over stdio for an agent; mcp agent create|policy|list
  migrate     copy the log into PostgreSQL (and blobs into S3), verifying every leaf and blob; resumable
  demo        run the whole flow on sample assets

mintmark <command> --help for its options.`

/** Runs the CLI; returns the exit code. Never throws: every failure becomes a message and a code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv
  const json = rest.includes('--json')
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(`${overview}\n`)
      return name ? 0 : 2
    }
    if (name === '--version') {
      io.stdout('0.1.0\n')
      return 0
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined
    if (!load) throw new MintmarkError('USAGE_INVALID', `Unknown command ${JSON.stringify(name)}.`, { metaMessages: ['Run `mintmark --help` for the list.'] })
    const command = await load()
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`${command.help}\n`)
      return 0
    }
    return await command.run(rest, io)
  } catch (error) {
    const problem = toProblem(error)
    if (json) printJson(io, { error: problem })
    io.stderr(`error ${problem.code}: ${problem.title}${problem.detail ? `\n  ${problem.detail}` : ''}${problem.fields ? `\n  fields: ${problem.fields.join(', ')}` : ''}\n`)
    if (!(error instanceof MintmarkError) && io.env.MINTMARK_DEBUG) io.stderr(`${(error as Error)?.stack}\n`)
    return exitCodeFor(error)
  }
}
