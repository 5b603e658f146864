import { defaultHome, initHome } from '@mintmark/app'
import { MintmarkError } from '@mintmark/core'
import { type ApiKeyScope, apiKeyScopes, createApiKey, startServer } from '@mintmark/server'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark serve [--port 8080] [--host 127.0.0.1] [--anchor-every 30s] [--index-every 5s] [--no-workers] [--json]
  Starts the HTTP API on the home (initialising it first if needed): OpenAPI at /openapi.json,
  a reference at /docs, /healthz, /metrics, MCP at /mcp; and the background workers: the
  checkpointer, the anchorer (the latest checkpoint onto every chain; the local dev chain when
  none is configured) and the chain indexer (licence sales, royalties). --no-workers serves
  without the anchorer and the indexer. Stops gracefully on SIGINT/SIGTERM: requests in flight
  finish, nothing acknowledged is lost. On PostgreSQL (config.json "database" or
  MINTMARK_DATABASE_URL) run as many as you like on one database: each runs a sequencer, the one
  holding the role appends and signs checkpoints (docs/deployment.md).
mintmark serve api-key [--scope assets:write|verify|admin]... [--principal DID] [--json]
  Creates an API key for writes (default principal: the home's creator). The token is shown once.`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    scope: { type: 'string', multiple: true },
    principal: { type: 'string' },
    'anchor-every': { type: 'string' },
    'index-every': { type: 'string' },
    'no-workers': { type: 'boolean' },
  })
  const home = values.home ?? defaultHome(io.env)
  const { creator } = await initHome({ home })
  if (positionals[0] === 'api-key') {
    const scopes = (values.scope ?? ['assets:write']) as ApiKeyScope[]
    for (const s of scopes) if (!apiKeyScopes.includes(s)) throw usage(`Unknown scope ${JSON.stringify(s)}; scopes: ${apiKeyScopes.join(', ')}.`)
    const key = await createApiKey({ home, principal: values.principal ?? creator, scopes })
    if (values.json) printJson(io, { ...key, principal: values.principal ?? creator, scopes })
    else io.stdout(`api key ${key.id} for ${values.principal ?? creator} (${scopes.join(', ')}):\n${key.token}\n`)
    return 0
  }
  if (positionals.length) throw usage('usage: mintmark serve [--port N] [--host H] | mintmark serve api-key [--scope S]...')
  const port = values.port === undefined ? 8080 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new MintmarkError('USAGE_INVALID', `--port must be a port number, not ${JSON.stringify(values.port)}.`)
  const workers = values['no-workers']
    ? false
    : { anchorEveryMs: parseInterval(values['anchor-every'], '--anchor-every', 30_000), indexEveryMs: parseInterval(values['index-every'], '--index-every', 5_000) }
  const server = await startServer({ home, port, host: values.host ?? '127.0.0.1', logLevel: values.json ? 'silent' : 'info', workers })
  if (values.json) printJson(io, { url: server.url, home })
  else io.stderr(`mintmark serving ${home} at ${server.url} (docs: ${server.url}/docs)\n`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await server.close()
  return 0
}

/** `500ms`, `30s`, `5m` or plain milliseconds; at least 100 ms. */
function parseInterval(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback
  const m = /^(\d{1,9})(ms|s|m)?$/.exec(text.trim())
  const ms = m ? Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 's' ? 1000 : 1) : Number.NaN
  if (!(ms >= 100)) throw new MintmarkError('USAGE_INVALID', `${flag} is a duration of at least 100ms, like 500ms, 30s or 5m; got ${JSON.stringify(text)}.`)
  return ms
}
