import { MintmarkError } from '@mintmark/core'
import * as anchor from './commands/anchor.js'
import * as audit from './commands/audit.js'
import * as chain from './commands/chain.js'
import * as demo from './commands/demo.js'
import * as exportCmd from './commands/export.js'
import * as init from './commands/init.js'
import * as license from './commands/license.js'
import * as log from './commands/log.js'
import * as offer from './commands/offer.js'
import * as register from './commands/register.js'
import * as serve from './commands/serve.js'
import * as mcp from './commands/mcp.js'
import * as royaltiesCmd from './commands/royalties.js'
import * as show from './commands/show.js'
import * as verify from './commands/verify.js'
import * as watermark from './commands/watermark.js'
import { type Io, exitCodeFor, printJson, processIo, toProblem } from './output.js'

type Command = { help: string; run(argv: string[], io: Io): Promise<number> }

const commands: Record<string, Command> = {
  init,
  register,
  verify,
  show,
  export: exportCmd,
  log,
  anchor,
  chain,
  offer,
  license,
  royalties: royaltiesCmd,
  audit,
  demo,
  watermark,
  serve,
  mcp,
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
  chain       chain status: reachability, contracts, anchors on chain vs local
  offer       create a signed licence offer from an asset's royalty split
  license     buy licences under an offer
  royalties   royalties owed per account and currency; --withdraw pays them out
  audit       re-derive and check everything stored
  watermark   embed or detect the home's invisible watermark (payload: a log index)
  serve       the HTTP API and MCP at /mcp; serve api-key creates write keys
  mcp         MCP tools over stdio for an agent; mcp agent create|policy|list
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
    const command = commands[name]
    if (!command) throw new MintmarkError('USAGE_INVALID', `Unknown command ${JSON.stringify(name)}.`, { metaMessages: ['Run `mintmark --help` for the list.'] })
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
