import { createHash, randomBytes } from 'node:crypto'
import { promises as fsp, readFileSync } from 'node:fs'
import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import path from 'node:path'
import { getRequestListener } from '@hono/node-server'
import { type AppContext, createStatementAppender, homePaths, openApp, readConfig, resolveDatabaseConfig } from '@mintmark/app'
import { MintmarkError, isDid, parseJson } from '@mintmark/core'
import { Hono } from 'hono'
import pino from 'pino'
import { parseContentDigest, verifyHttpSignature } from './auth/http-signature.js'
import { createNonceCache } from './auth/nonce-cache.js'
import { checkDeclaredLength, readBody } from './http/body.js'
import { createMetrics } from './http/metrics.js'
import { createOpenApiDocument, renderDocsHtml } from './http/openapi.js'
import { problemResponse, toMintmarkError, toProblem } from './http/problem.js'
import { type BucketConfig, type BucketName, createRateLimiter, defaultBuckets } from './http/rate-limit.js'
import type { Actor, ServiceContext } from './operations.js'
import {
  type BodyKind,
  type RequestBody,
  type RouteDefinition,
  type RouteLimits,
  type RouteResult,
  createRoutes,
  defaultRouteLimits,
  maxTemplateHeaderBytes,
} from './routes.js'
import { assetCacheFor, etagMatches, releaseAssetCache } from './read-cache.js'
import { openAgentState, openSearchState, openServerState } from './open-state.js'
import { catchUpSearchIndex } from './search/search-index.js'
import { type ApiKeyScope, type ServerState, openServerDb, serverDbPath, toServerState } from './server-db.js'
import { createMcpHttpHandler } from './mcp/http.js'
import { createWebApp } from './http/web-app.js'
import { type WorkerOptions, type Workers, startWorkers } from './workers.js'

export type CreateServerOptions = {
  /** The Mintmark home (initialised with `initHome`). */
  home: string
  /** Passphrase of the home's creator key, when encrypted. */
  passphrase?: string | undefined
  /** pino level; default `info` ('silent' in tests). */
  logLevel?: pino.LevelWithSilent | undefined
  logger?: pino.Logger | undefined
  limits?: Partial<RouteLimits> | undefined
  rateLimits?: Partial<Record<BucketName, BucketConfig>> | undefined
  /** Accepted |server clock − signature created|, seconds (default 300). */
  signatureWindowSeconds?: number | undefined
  /**
   * Request log lines (pino, `info`): `each`, one line per request; `aggregate-hits` (default),
   * one line per request except GET /v1/assets/{cid} answered from the read cache, which are
   * counted into one `cached reads` record per second (count per status, max ms) unless the
   * request carried its own X-Request-Id (then it gets its line). Errors and slow requests always
   * get their line (a cache hit cannot fail: everything else takes the full path).
   */
  requestLog?: 'each' | 'aggregate-hits' | undefined
  /** How long close() waits for in-flight requests before cutting connections (default 30 s). */
  drainTimeoutMs?: number | undefined
  /** The public origin (`https://api.example.com`) when behind a proxy: used for `@target-uri`. */
  publicUrl?: string | undefined
  now?: (() => Date) | undefined
  /**
   * Run the background workers besides the checkpointer: the anchorer and the chain indexer
   * (`mintmark serve` does; default off for embedding and tests).
   */
  workers?: boolean | WorkerOptions | undefined
}

export type MintmarkServer = {
  /** The hono app (in-process tests: `server.app.request(...)`). */
  app: Hono
  routes: RouteDefinition[]
  service: ServiceContext
  /** The background workers, when started (`workers` option). */
  workers: Workers | undefined
  openapi: () => ReturnType<typeof createOpenApiDocument>
  /** Starts listening; resolves with the bound address. */
  listen(options?: { port?: number | undefined; host?: string | undefined }): Promise<{ url: string; port: number; host: string }>
  /** The HTTP server, once listening. */
  httpServer: Server | undefined
  /**
   * Graceful shutdown: stops accepting connections, lets in-flight requests finish (up to the
   * drain timeout), waits for pending commits, then closes the search index, the server
   * database and the store.
   */
  close(): Promise<void>
}

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

/**
 * Creates the HTTP service over a Mintmark home: opens the store, catches the search index up with
 * the log, and builds the route table. Call `listen()` to serve, `close()` to stop.
 *
 * @example
 * const server = await createServer({ home: '.mintmark' })
 * const { url } = await server.listen({ port: 8080, host: '127.0.0.1' })
 */
export async function createServer(options: CreateServerOptions): Promise<MintmarkServer> {
  const now = options.now ?? (() => new Date())
  const logger = options.logger ?? pino({ level: options.logLevel ?? 'info', base: { service: 'mintmark-server' } })
  // PostgreSQL: every node runs a sequencer at once; one holds the role (appends, signs checkpoints).
  const app: AppContext = await openApp({
    home: options.home,
    passphrase: options.passphrase,
    startSequencer: true,
    onSequencerEvent: (e) => {
      if (e.type === 'sequencer:error') logger.warn({ err: e.error }, 'sequencer error')
      else if (e.type === 'sequencer:role:acquired' || e.type === 'sequencer:role:lost' || e.type === 'sequencer:role:released') logger.info({ event: e.type, ...e }, 'sequencer role')
    },
  })
  const root = app.home
  // Nodes on PostgreSQL may share one home: each keeps its uploads in a directory of its own.
  const uploadsDir = app.database === 'sqlite' ? path.join(root, 'uploads') : path.join(root, 'uploads', `node-${hostname()}-${process.pid}`)
  // Uploads of a previous process were never acknowledged: drop them.
  await fsp.rm(uploadsDir, { recursive: true, force: true })
  await fsp.mkdir(uploadsDir, { recursive: true, mode: 0o700 })
  // On PostgreSQL every node shares the server's tables (keys, idempotency, search) in the database.
  const db = await openServerState(app)
  const search = await openSearchState(app)
  const creatorDid = (await app.getSigner()).did

  // Search catch-up, coalesced: a call made while a run is under way is covered by the next run.
  let tail: Promise<void> = Promise.resolve()
  let queued: Promise<void> | undefined
  const catchUp = (): Promise<void> => {
    if (queued) return queued
    const run = tail.then(async () => {
      queued = undefined
      try {
        // PostgreSQL: another node has often indexed the new entries already (the index is
        // shared); two reads say so, instead of reading and decoding the entries only to skip them.
        if (app.database === 'postgres' && (await search.cursor()) >= (await app.store.size())) return
        await catchUpSearchIndex(search, app.store, app.config.logOrigin)
      } catch (error) {
        logger.error({ err: error }, 'search index catch-up failed')
      }
    })
    queued = run
    tail = run
    return run
  }
  await catchUp()

  // Checkpoints: every `everyMs` when the log grew, and when `everyEntries` accumulated.
  let checkpointing = false
  const checkpointIfGrown = (minGrowth: number) => {
    if (checkpointing) return
    checkpointing = true
    ;(async () => {
      const last = (await app.store.latestCheckpoint())?.size ?? 0
      if ((await app.store.size()) - last >= minGrowth) await app.issueCheckpoint()
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'checkpoint failed'))
      .finally(() => {
        checkpointing = false
      })
  }
  // On PostgreSQL only the sequencer holder signs, by the same policy, in its append transaction.
  const signsCheckpoints = app.database === 'sqlite'
  const checkpointTimer = setInterval(() => checkpointIfGrown(1), Math.max(50, app.config.checkpoint.everyMs))
  checkpointTimer.unref()
  if (!signsCheckpoints) clearInterval(checkpointTimer)
  // On PostgreSQL a registration is queued as it arrives: the queue group-commits concurrent
  // enqueues and the sequencer appends whatever is queued in one transaction, so a batching
  // stage in front of them, one batch at a time, would only add a whole queue cycle of latency.
  const appender = signsCheckpoints
    ? createStatementAppender({ store: { appendEntries: app.appendEntries }, onCommitted: () => checkpointIfGrown(app.config.checkpoint.everyEntries) })
    : queueAppender(app.appendEntries)

  const agents = await openAgentState(app)
  const service: ServiceContext = { app, search, appender, creatorDid, catchUp, uploadsDir, now, agents }
  const limits: RouteLimits = { ...defaultRouteLimits, ...options.limits }
  const limiter = createRateLimiter({ ...defaultBuckets, ...options.rateLimits })
  const windowSeconds = options.signatureWindowSeconds ?? 300
  const startedAt = Math.floor(Date.now() / 1000)
  const nonces = createNonceCache({ windowSeconds, startedAt })
  const metrics = createMetrics()
  metrics.gauge('mintmark_log_size', 'Entries in the transparency log.', () => app.store.size())
  metrics.gauge('mintmark_log_checkpoint_size', 'Tree size of the latest signed checkpoint.', async () => (await app.store.latestCheckpoint())?.size ?? 0)
  metrics.gauge('mintmark_search_indexed_entries', 'Log entries the search index has caught up with.', () => search.cursor())
  metrics.gauge('mintmark_search_assets', 'Assets in the search index.', () => search.size())
  metrics.gauge('process_resident_memory_bytes', 'Resident memory.', () => process.memoryUsage.rss())
  const workers: Workers | undefined = options.workers
    ? startWorkers({ app, logger, metrics, options: options.workers === true ? undefined : options.workers })
    : undefined
  const bootTime = Date.now()
  let draining = false
  const inProgressKeys = new Set<string>()
  // Request ids: a random per-process prefix and a counter (randomBytes per request showed in profiles).
  const bootId = randomBytes(4).toString('hex')
  let requestSeq = 0

  let doc: ReturnType<typeof createOpenApiDocument> | undefined
  let html: string | undefined
  const routes = createRoutes(limits, {
    health: async () => ({
      status: draining ? 'draining' : 'ok',
      logSize: await app.store.size(),
      searchIndexed: await search.cursor(),
      uptimeSeconds: (Date.now() - bootTime) / 1000,
      ...(workers ? { workers: workers.status() } : {}),
      ...(app.sequencer ? { sequencer: { role: app.sequencer.status().role, epoch: app.sequencer.status().epoch ?? null } } : {}),
    }),
    metrics: () => metrics.render(),
    openapi: () => (doc ??= createOpenApiDocument(routes, { version, serverUrl: options.publicUrl })),
    docs: () => (html ??= renderDocsHtml((doc ??= createOpenApiDocument(routes, { version, serverUrl: options.publicUrl })))),
  })

  const hono = new Hono<{ Bindings: { incoming?: IncomingMessage } }>()
  const routeMatchers = routes.map((r) => ({ route: r, re: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`) }))

  // Raw-path guard: dot segments, encoded separators or dots, NUL and empty segments never reach routing.
  hono.use('*', async (c, next) => {
    const raw = c.env?.incoming?.url ?? new URL(c.req.url).pathname
    const p = (raw.split('?')[0] ?? '').toLowerCase()
    if (/%2e|%2f|%5c|%00|%25|\\|\u0000|\/\/|\.\.|(^|\/)\.(\/|$)/.test(p)) {
      metrics.start()
      return finish(c.req.method, 'invalid-path', performance.now(), problemFor(new MintmarkError('INPUT_INVALID', 'The request path contains a dot segment, an encoded separator or NUL.')))
    }
    await next()
    return undefined
  })

  // MCP Streamable HTTP (stateless, JSON responses): POST only; acts as the agent whose API key is sent.
  const mcpHandler = createMcpHttpHandler({ service, agents, home: root, authenticate: bearerPrincipal })
  hono.post('/mcp', async (c) => {
    const started = performance.now()
    metrics.start()
    let principal: string | undefined
    try {
      if (draining) throw new MintmarkError('SERVICE_UNAVAILABLE', 'The server is shutting down.')
      principal = await bearerPrincipal(c.req.raw)
      const wait = limiter.take('read', principal, Date.now())
      if (wait > 0) return finish('POST', '/mcp', started, problemFor(new MintmarkError('RATE_LIMITED', `Too many requests; retry in ${wait} s.`), { 'retry-after': String(wait) }), principal)
      return finish('POST', '/mcp', started, await mcpHandler(c.req.raw), principal)
    } catch (error) {
      return finish('POST', '/mcp', started, problemFor(error), principal)
    }
  })
  hono.on(['GET', 'DELETE'], '/mcp', (c) => {
    metrics.start()
    return finish(c.req.method, '/mcp', performance.now(), problemFor(new MintmarkError('METHOD_NOT_ALLOWED', 'The MCP endpoint is stateless: POST only (no SSE stream, no sessions).'), { allow: 'POST' }))
  })

  /** The principal of the bearer API key (any scope); AUTH_REQUIRED / AUTH_INVALID otherwise. */
  async function bearerPrincipal(request: Request): Promise<string> {
    const authz = request.headers.get('authorization')
    if (authz === null) throw new MintmarkError('AUTH_REQUIRED', 'The MCP endpoint needs an agent’s API key (Authorization: Bearer …).')
    const m = /^Bearer[ ]+(\S{1,200})$/i.exec(authz.trim())
    const key = m ? await db.checkToken(m[1] as string) : undefined
    if (!key) throw new MintmarkError('AUTH_INVALID', 'The API key is not valid.')
    if (key.revokedAt) throw new MintmarkError('AUTH_INVALID', 'The API key was revoked.')
    if (key.expiresAt && Date.parse(key.expiresAt) <= now().getTime()) throw new MintmarkError('AUTH_INVALID', 'The API key has expired.')
    return key.principal
  }

  for (const route of routes) hono.on(route.method, route.path.replace(/\{([^}]+)\}/g, ':$1'), (c) => handle(route, c.req.raw, c.env?.incoming, c.req.param() as Record<string, string>))

  const webApp = createWebApp()
  hono.notFound(async (c) => {
    metrics.start()
    const page = await webApp.handle(c.req.raw)
    if (page) return finish(c.req.method, 'web', performance.now(), page)
    const pathname = new URL(c.req.url).pathname
    const allowed = routeMatchers.filter((m) => m.re.test(pathname)).map((m) => m.route.method)
    if (allowed.length)
      return finish(c.req.method, 'unmatched', performance.now(), problemFor(new MintmarkError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${pathname}.`), { allow: [...new Set(allowed)].join(', ') }))
    return finish(c.req.method, 'unmatched', performance.now(), problemFor(new MintmarkError('ROUTE_NOT_FOUND', 'No route matches this path.')))
  })
  hono.onError((error) => {
    logger.error({ err: error }, 'unhandled error')
    return problemFor(error)
  })

  function problemFor(error: unknown, headers: Record<string, string> = {}): Response {
    const e = toMintmarkError(error)
    const h: Record<string, string> = { ...headers }
    if (e.code === 'BODY_TOO_LARGE') h.connection = 'close'
    if (e.code === 'AUTH_REQUIRED' || e.code === 'AUTH_INVALID') h['www-authenticate'] = 'Bearer realm="mintmark"'
    return problemResponse(toProblem(e), h)
  }

  function finish(method: string, routeName: string, started: number, response: Response, principal?: string, reqId?: string): Response {
    const seconds = (performance.now() - started) / 1000
    metrics.observe(routeName, method, response.status, seconds)
    if (draining) response.headers.set('connection', 'close')
    if (reqId) response.headers.set('x-request-id', reqId)
    if (response.status >= 500) logger.error({ reqId, method, route: routeName, status: response.status, ms: seconds * 1000, principal }, 'request failed')
    else if (logger.isLevelEnabled('info')) logger.info({ reqId, method, route: routeName, status: response.status, ms: Math.round(seconds * 10000) / 10, principal }, 'request')
    return response
  }

  function clientAddress(incoming: IncomingMessage | undefined): string {
    return incoming?.socket?.remoteAddress ?? 'local'
  }

  /** Who is calling, per the route's auth rule; throws AUTH_* / HTTP_SIGNATURE_* errors. */
  async function authenticate(route: RouteDefinition, request: Request, incoming: IncomingMessage | undefined): Promise<{ actor: Actor; nonce?: { did: string; nonce: string } }> {
    const anonymous: Actor = { id: `ip:${clientAddress(incoming)}`, kind: 'anonymous', scopes: [] }
    if (route.auth.type === 'public') return { actor: anonymous }
    const authz = request.headers.get('authorization')
    if (authz !== null) {
      const m = /^Bearer[ ]+(\S{1,200})$/i.exec(authz.trim())
      const key = m ? await db.checkToken(m[1] as string) : undefined
      if (!key) throw new MintmarkError('AUTH_INVALID', 'The API key is not valid.')
      if (key.revokedAt) throw new MintmarkError('AUTH_INVALID', 'The API key was revoked.')
      if (key.expiresAt && Date.parse(key.expiresAt) <= now().getTime()) throw new MintmarkError('AUTH_INVALID', 'The API key has expired.')
      if (!key.scopes.includes(route.auth.scope) && !key.scopes.includes('admin'))
        throw new MintmarkError('AUTH_FORBIDDEN', `The API key lacks the ${route.auth.scope} scope.`)
      return { actor: { id: key.principal, kind: 'apiKey', did: isDid(key.principal) ? key.principal : undefined, scopes: key.scopes } }
    }
    if (route.auth.didSigned && (request.headers.has('signature') || request.headers.has('signature-input'))) {
      const url = options.publicUrl ? new URL(new URL(request.url).pathname + new URL(request.url).search, options.publicUrl).href : request.url
      const nowSeconds = Math.floor(now().getTime() / 1000)
      const sig = verifyHttpSignature({ method: request.method, url, headers: request.headers, now: nowSeconds, windowSeconds, hasBody: route.bodyLimit > 0 })
      if (sig.created < nonces.notBefore)
        throw new MintmarkError('HTTP_SIGNATURE_EXPIRED', 'The signature was created before this server started; sign the request again.')
      return { actor: { id: sig.did, kind: 'did', did: sig.did, scopes: [route.auth.scope] }, nonce: { did: sig.did, nonce: sig.nonce } }
    }
    throw new MintmarkError('AUTH_REQUIRED', route.auth.didSigned ? 'This route needs an API key or an HTTP message signature by your did:key.' : 'This route needs an API key.')
  }

  function parseInput(route: RouteDefinition, request: Request, params: Record<string, string>): { params: Record<string, unknown>; query: Record<string, unknown> } {
    const p = route.params.safeParse(params)
    if (!p.success) {
      const field = String(p.error.issues[0]?.path[0] ?? '')
      const code = field === 'cid' ? 'CID_INVALID' : field === 'did' ? 'DID_INVALID' : 'INPUT_INVALID'
      throw new MintmarkError(code, `The path parameter ${field || '(unknown)'} is not valid.`, { fields: [...new Set(p.error.issues.map((i) => i.path.join('.')))] })
    }
    const url = new URL(request.url)
    const query: Record<string, string> = {}
    for (const [k, v] of url.searchParams) {
      if (Object.hasOwn(query, k)) throw new MintmarkError('INPUT_INVALID', `Query parameter ${k.slice(0, 40)} is repeated.`, { fields: [k.slice(0, 40)] })
      query[k] = v
    }
    const q = route.query.safeParse(query)
    if (!q.success) {
      const at = (i: { path: readonly PropertyKey[] }) => i.path.map(String).join('.') || '(query)'
      throw new MintmarkError('INPUT_INVALID', 'The query parameters are not valid.', {
        fields: [...new Set(q.error.issues.map(at))],
        details: q.error.issues.slice(0, 5).map((i) => `${at(i)}: ${i.message}`).join('; '),
      })
    }
    return { params: p.data as Record<string, unknown>, query: q.data as Record<string, unknown> }
  }

  function bodyKindOf(request: Request): BodyKind {
    const ct = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (ct === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(ct)) return 'json'
    if (ct === 'multipart/form-data') return 'multipart'
    return 'file'
  }

  async function handle(route: RouteDefinition, request: Request, incoming: IncomingMessage | undefined, rawParams: Record<string, string>): Promise<Response> {
    const started = performance.now()
    metrics.start()
    const reqIdHeader = request.headers.get('x-request-id')
    const reqId = reqIdHeader && /^[\w.-]{1,64}$/.test(reqIdHeader) ? reqIdHeader : `${bootId}-${(++requestSeq).toString(36)}`
    let workDir: string | undefined
    let idemSlot: string | undefined
    let principal: string | undefined
    try {
      if (draining) throw new MintmarkError('SERVICE_UNAVAILABLE', 'The server is shutting down.')
      const { actor, nonce } = await authenticate(route, request, incoming)
      principal = actor.id
      const wait = limiter.take(route.bucket, actor.id, Date.now())
      if (wait > 0) return finish(request.method, route.path, started, problemFor(new MintmarkError('RATE_LIMITED', `Too many requests in the ${route.bucket} bucket; retry in ${wait} s.`), { 'retry-after': String(wait) }), principal, reqId)
      if (nonce && !nonces.use(nonce.did, nonce.nonce, Math.floor(now().getTime() / 1000)))
        throw new MintmarkError('HTTP_SIGNATURE_REPLAYED', 'This signature nonce was already used.')
      const input = parseInput(route, request, rawParams)

      // Idempotency: one request per (principal, key) at a time.
      const idemKey = route.idempotent ? request.headers.get('idempotency-key') : null
      if (idemKey !== null) {
        if (!/^[\x21-\x7e]{1,255}$/.test(idemKey)) throw new MintmarkError('INPUT_INVALID', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', { fields: ['idempotency-key'] })
        const slot = `${actor.id}\u0000${idemKey}`
        if (inProgressKeys.has(slot)) throw new MintmarkError('IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed.')
        inProgressKeys.add(slot)
        idemSlot = slot
      }

      // The body, within the route's limit (after decoding), hashed as sent.
      let body: RequestBody = { kind: 'none' }
      let rawDigest: Buffer | undefined
      const hasBody = route.bodyLimit > 0 && (request.headers.has('content-length') ? request.headers.get('content-length') !== '0' : request.headers.has('transfer-encoding') || request.body !== null)
      if (route.body && hasBody) {
        checkDeclaredLength(request.headers, route.bodyLimit)
        const kind = bodyKindOf(request)
        if (!route.body.kinds.includes(kind))
          throw new MintmarkError('MEDIA_TYPE_UNSUPPORTED', `This route does not take ${request.headers.get('content-type') ?? 'a body without a type'}.`)
        const getDir = async () => (workDir ??= await fsp.mkdtemp(path.join(uploadsDir, 'r-')))
        const declared = Number(request.headers.get('content-length') ?? Number.NaN)
        const identity = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() === 'identity'
        if (kind === 'file' && identity && declared <= (route.body.inMemoryUpTo ?? -1)) {
          // Small uploads to routes that only read them (verify): no temp file, no thread-pool hops.
          // The raw hash only serves Content-Digest and Idempotency-Key (the CID is computed anyway).
          const hashRaw = idemKey !== null || request.headers.has('content-digest')
          const r = await readBody({ incoming, request, limit: route.bodyLimit, hashRaw })
          rawDigest = r.sha256
          body = { kind: 'bytes', bytes: r.bytes as Buffer, size: r.size, contentType: request.headers.get('content-type') ?? 'application/octet-stream' }
        } else if (kind === 'file') {
          const name = (input.query.filename as string | undefined) ?? 'upload'
          const file = path.join(await getDir(), name)
          const r = await readBody({ incoming, request, limit: route.bodyLimit, toFile: file })
          rawDigest = r.sha256
          body = { kind: 'file', file, size: r.size, contentType: request.headers.get('content-type') ?? 'application/octet-stream' }
        } else {
          const limit = kind === 'json' ? Math.min(route.bodyLimit, limits.maxJsonBytes) : route.bodyLimit
          const r = await readBody({ incoming, request, limit })
          rawDigest = r.sha256
          const bytes = r.bytes as Buffer
          if (kind === 'json') {
            let text: string
            try {
              text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
            } catch (cause) {
              throw new MintmarkError('JSON_INVALID', 'The body is not valid UTF-8.', { cause })
            }
            body = { kind: 'json', value: parseJson(text) }
          } else {
            let form: FormData
            try {
              form = await new Response(bytes, { headers: { 'content-type': request.headers.get('content-type') as string } }).formData()
            } catch (cause) {
              throw new MintmarkError('INPUT_INVALID', 'The multipart/form-data body cannot be parsed.', { cause })
            }
            body = { kind: 'multipart', form }
          }
        }
      } else if (route.body) {
        rawDigest = createHash('sha256').digest()
      }
      const declaredDigest = request.headers.get('content-digest')
      if (declaredDigest !== null && rawDigest) {
        if (!parseContentDigest(declaredDigest).every((b, i) => b === rawDigest?.[i]))
          throw new MintmarkError('CONTENT_DIGEST_MISMATCH', 'The body does not match its Content-Digest.')
      } else if (nonce && route.body) throw new MintmarkError('CONTENT_DIGEST_MISMATCH', 'A signed request with a body needs a Content-Digest header.')

      let requestHash: string | undefined
      if (idemKey !== null) {
        const url = new URL(request.url)
        requestHash = createHash('sha256')
          .update(`${request.method} ${url.pathname}${url.search}\n${request.headers.get('content-type') ?? ''}\n${request.headers.get('mintmark-template') ?? ''}\n${rawDigest?.toString('hex') ?? ''}`)
          .digest('hex')
        const previous = await db.getIdempotency(actor.id, idemKey)
        if (previous) {
          if (previous.requestHash !== requestHash)
            throw new MintmarkError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.', { fields: ['idempotency-key'] })
          return finish(request.method, route.path, started, new Response(previous.body, { status: previous.status, headers: { ...previous.headers, 'idempotent-replayed': 'true' } }), principal, reqId)
        }
      }

      let response: Response
      try {
        const result = await route.handler({ ...input, body, headers: request.headers, actor, workDir: async () => (workDir ??= await fsp.mkdtemp(path.join(uploadsDir, 'r-'))) }, service)
        response = toResponse(result)
      } catch (error) {
        response = problemFor(error)
      }
      if (idemKey !== null && requestHash && response.status < 500 && ![401, 403, 409, 429].includes(response.status)) {
        const text = await response.text()
        const headers: Record<string, string> = {}
        response.headers.forEach((v, k) => {
          headers[k] = v
        })
        await db.putIdempotency(actor.id, idemKey, { requestHash, status: response.status, headers, body: text, createdAt: now().toISOString() })
        response = new Response(text, { status: response.status, headers })
      }
      return finish(request.method, route.path, started, response, principal, reqId)
    } catch (error) {
      return finish(request.method, route.path, started, problemFor(error), principal, reqId)
    } finally {
      if (idemSlot) inProgressKeys.delete(idemSlot)
      if (workDir) await fsp.rm(workDir, { recursive: true, force: true }).catch(() => {})
    }
  }

  // GET /v1/assets/{cid} answered straight from the read cache, on node:http, when the record is
  // cached and fresh (read-cache.ts). What the full path would do for it is done here too: rate
  // limit, request id, metrics, log line. Everything else (a miss, a stale entry, a limited
  // client, a query string, draining) goes the full way, which fills the cache.
  const assetRoute = routes.find((r) => r.operationId === 'getAsset') as RouteDefinition
  const assetPrefix = '/v1/assets/'
  const assets = assetCacheFor(app)
  const observeAsset200 = metrics.series(assetRoute.path, 'GET', 200)
  const observeAsset304 = metrics.series(assetRoute.path, 'GET', 304)
  // Cache hits' log record (requestLog 'aggregate-hits'): a pino line costs ~6 µs of CPU, as
  // much as the rest of a hit above node:http.
  const logEachHit = options.requestLog === 'each'
  const slowHitMs = 50
  const hits = { count: 0, ok: 0, notModified: 0, maxMs: 0 }
  const flushHits = () => {
    if (hits.count === 0) return
    logger.info({ method: 'GET', route: assetRoute.path, count: hits.count, status: { 200: hits.ok, 304: hits.notModified }, maxMs: hits.maxMs }, 'cached reads')
    hits.count = hits.ok = hits.notModified = hits.maxMs = 0
  }
  const hitLogTimer = setInterval(flushHits, 1000)
  hitLogTimer.unref()
  function fastRead(req: IncomingMessage, res: ServerResponse): boolean {
    if (draining || req.method !== 'GET') return false
    // The rest of the path is the cache key as it stands: only a valid CID is ever a key (it was
    // answered by the full path), so anything else (a query, an encoding, another route) misses.
    const url = req.url as string
    if (url.length > assetPrefix.length + 128 || !url.startsWith(assetPrefix)) return false
    const started = performance.now()
    let hit: ReturnType<typeof assets.peek>
    try {
      hit = assets.peek(url.slice(assetPrefix.length))
    } catch (error) {
      // The store threw (nothing written yet): the full path answers, with a problem if it fails too.
      logger.warn({ err: error }, 'read cache failed')
      return false
    }
    if (!hit) return false
    const principal = `ip:${clientAddress(req)}`
    if (limiter.take(assetRoute.bucket, principal, Date.now()) > 0) return false
    metrics.start()
    const reqIdHeader = req.headers['x-request-id']
    const reqId = typeof reqIdHeader === 'string' && /^[\w.-]{1,64}$/.test(reqIdHeader) ? reqIdHeader : `${bootId}-${(++requestSeq).toString(36)}`
    const ifNoneMatch = req.headers['if-none-match']
    const status = ifNoneMatch !== undefined && etagMatches(ifNoneMatch, hit.etag) ? 304 : 200
    // Raw header pairs: no per-request object to walk.
    if (status === 304) res.writeHead(304, ['etag', hit.etag, 'x-request-id', reqId]).end()
    else res.writeHead(200, ['content-type', 'application/json', 'content-length', hit.length, 'etag', hit.etag, 'x-request-id', reqId]).end(hit.body)
    const seconds = (performance.now() - started) / 1000
    if (status === 304) observeAsset304(seconds)
    else observeAsset200(seconds)
    if (logger.isLevelEnabled('info')) {
      const ms = Math.round(seconds * 10000) / 10
      if (logEachHit || reqIdHeader !== undefined || ms >= slowHitMs) logger.info({ reqId, method: 'GET', route: assetRoute.path, status, ms, principal }, 'request')
      else {
        hits.count++
        if (status === 304) hits.notModified++
        else hits.ok++
        if (ms > hits.maxMs) hits.maxMs = ms
      }
    }
    return true
  }

  function toResponse(result: RouteResult): Response {
    if (result instanceof Response) return result
    return new Response(JSON.stringify(result.json), { status: result.status, headers: { 'content-type': 'application/json', ...result.headers } })
  }

  let httpServer: Server | undefined
  let closing: Promise<void> | undefined
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000
  const pruneTimer = setInterval(() => {
    db.pruneIdempotency(new Date(now().getTime() - 24 * 3600_000).toISOString()).catch((error: unknown) => logger.warn({ err: error }, 'idempotency prune failed'))
  }, 3600_000)
  pruneTimer.unref()

  const server: MintmarkServer = {
    app: hono as unknown as Hono,
    routes,
    service,
    workers,
    openapi: () => (doc ??= createOpenApiDocument(routes, { version, serverUrl: options.publicUrl })),
    get httpServer() {
      return httpServer
    },
    async listen(o = {}) {
      if (httpServer) throw new MintmarkError('USAGE_INVALID', 'The server is already listening.')
      const listener = getRequestListener(hono.fetch, {
        errorHandler: (error: unknown) => problemFor(new MintmarkError('INPUT_INVALID', 'The request is malformed.', { cause: error })),
      })
      // Idle keep-alive sockets stay open longer than clients' and proxies' pools usually keep
      // them (node's 5 s default races clients reusing a socket the server is closing: ECONNRESET).
      const s = createHttpServer({ maxHeaderSize: maxTemplateHeaderBytes + 16 * 1024, keepAliveTimeout: 65_000 }, (req, res) => {
        if (!fastRead(req, res)) void listener(req, res)
      })
      httpServer = s
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
          s.off('error', reject)
          resolve()
        })
      })
      const addr = s.address() as AddressInfo
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
      logger.info({ host: addr.address, port: addr.port }, 'listening')
      return { url: `http://${host}:${addr.port}`, port: addr.port, host: addr.address }
    },
    close() {
      closing ??= (async () => {
        draining = true
        clearInterval(checkpointTimer)
        clearInterval(hitLogTimer)
        clearInterval(pruneTimer)
        if (httpServer) {
          const s = httpServer
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => s.closeAllConnections(), drainTimeoutMs)
            s.close(() => {
              clearTimeout(timer)
              resolve()
            })
            s.closeIdleConnections()
          })
        }
        // In-process requests (app.request) are not tracked by the HTTP server.
        const deadline = Date.now() + drainTimeoutMs
        while (metrics.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
        await appender.idle()
        await workers?.stop()
        await catchUp()
        try {
          const last = (await app.store.latestCheckpoint())?.size ?? 0
          if (signsCheckpoints && (await app.store.size()) > last) await app.issueCheckpoint()
        } catch (error) {
          logger.error({ err: error }, 'final checkpoint failed')
        }
        await search.close()
        await db.close()
        await agents.close()
        await app.close()
        // After the store: the read cache's WAL-index descriptor must outlive SQLite's locks.
        releaseAssetCache(app)
        flushHits()
        if (app.database !== 'sqlite') await fsp.rm(uploadsDir, { recursive: true, force: true }).catch(() => {})
        logger.info('closed')
      })()
      return closing
    },
  }
  return server
}

/** createServer + listen. */
export async function startServer(options: CreateServerOptions & { port?: number | undefined; host?: string | undefined }) {
  const server = await createServer(options)
  const address = await server.listen({ port: options.port, host: options.host })
  return Object.assign(server, address)
}

/**
 * Creates an API key for a principal (a DID) with scopes, stored hashed in `<home>/server.sqlite`.
 * The token is returned once; keep it secret.
 *
 * @example
 * const { token } = await createApiKey({ home, principal: did, scopes: ['assets:write'] })
 * fetch(url, { headers: { authorization: `Bearer ${token}` } })
 */
export async function createApiKey(p: { home: string; principal: string; scopes: readonly ApiKeyScope[]; expiresAt?: Date | undefined }): Promise<{ id: string; token: string }> {
  if (!isDid(p.principal)) throw new MintmarkError('DID_INVALID', 'An API key principal must be a DID.')
  if (!p.scopes.length) throw new MintmarkError('USAGE_INVALID', 'An API key needs at least one scope.')
  return withServerState(p.home, (db) => db.createKey({ principal: p.principal, scopes: p.scopes, expiresAt: p.expiresAt?.toISOString(), now: new Date() }))
}

/** Revokes an API key by id; true when it was active. */
export async function revokeApiKey(p: { home: string; id: string }): Promise<boolean> {
  return withServerState(p.home, (db) => db.revokeKey(p.id, new Date()))
}

async function withServerState<T>(home: string, fn: (db: ServerState) => Promise<T>): Promise<T> {
  const config = await readConfig(homePaths(home).config)
  if (resolveDatabaseConfig(config.database, process.env).type === 'sqlite') {
    const db = toServerState(openServerDb(serverDbPath(home)))
    try {
      return await fn(db)
    } finally {
      await db.close()
    }
  }
  const app = await openApp({ home })
  try {
    const db = await openServerState(app)
    try {
      return await fn(db)
    } finally {
      await db.close()
    }
  } finally {
    await app.close()
  }
}

/** createStatementAppender's interface over PostgreSQL's queue: each draft appended on its own, concurrently. */
function queueAppender(appendEntries: AppContext['appendEntries']): ReturnType<typeof createStatementAppender> {
  const inFlight = new Set<Promise<unknown>>()
  return {
    append(draft) {
      const p = appendEntries([draft]).then(([r]) => {
        const { index, leafHash, created } = r as { index: number; leafHash: Uint8Array; created: boolean }
        return { index, leafHash: Buffer.from(leafHash).toString('hex'), created }
      })
      const tracked: Promise<unknown> = p.then(
        (): unknown => inFlight.delete(tracked),
        (): unknown => inFlight.delete(tracked),
      )
      inFlight.add(tracked)
      return p
    },
    async idle() {
      while (inFlight.size) await Promise.all(inFlight)
    },
  }
}
