import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defaultBuckets } from './http/rate-limit.js'
import { createRoutes } from './routes.js'
import { apiKeyScopes } from './server-db.js'

// RELIABILITY D1: every route declares a schema, a body limit, an auth rule and a rate-limit bucket.
describe('route inventory', () => {
  const routes = createRoutes()
  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s declares schemas, body limit, auth and bucket', (_name, r) => {
    expect(r.operationId).toMatch(/^[a-z][A-Za-z]+$/)
    expect(r.params).toBeInstanceOf(z.ZodType)
    expect(r.query).toBeInstanceOf(z.ZodType)
    const pathParams = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
    const shape = (r.params as unknown as { shape?: Record<string, unknown> }).shape ?? {}
    expect(Object.keys(shape).sort()).toEqual(pathParams.sort())
    expect(Object.keys(r.responses).length).toBeGreaterThan(0)
    for (const resp of Object.values(r.responses)) expect(resp.schema).toBeInstanceOf(z.ZodType)
    expect(Number.isSafeInteger(r.bodyLimit) && r.bodyLimit >= 0).toBe(true)
    if (r.method === 'GET') expect(r.bodyLimit).toBe(0)
    else {
      expect(r.bodyLimit).toBeGreaterThan(0)
      expect(r.body?.kinds.length).toBeGreaterThan(0)
      if (r.body?.kinds.includes('json')) expect(r.body.json).toBeInstanceOf(z.ZodType)
    }
    expect(Object.keys(defaultBuckets)).toContain(r.bucket)
    if (r.auth.type === 'credentials') expect(apiKeyScopes).toContain(r.auth.scope)
    else expect(r.auth.type).toBe('public')
    // writes are never public, except verify (it changes nothing)
    if (r.method !== 'GET' && r.operationId !== 'verify') expect(r.auth.type).toBe('credentials')
    // every schema converts to JSON Schema (OpenAPI, MCP)
    for (const s of [r.params, r.query, ...Object.values(r.responses).map((x) => x.schema)]) expect(() => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })).not.toThrow()
  })
  it('has no duplicate method + path or operationId', () => {
    expect(new Set(routes.map((r) => `${r.method} ${r.path}`)).size).toBe(routes.length)
    expect(new Set(routes.map((r) => r.operationId)).size).toBe(routes.length)
  })
  it('lists the issue 4 routes', () => {
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        'POST /v1/assets',
        'GET /v1/assets/{cid}',
        'GET /v1/assets/{cid}/bundle',
        'GET /v1/assets/{cid}/content',
        'GET /v1/assets/{cid}/lineage',
        'GET /v1/assets/{cid}/offers',
        'GET /v1/chains',
        'GET /v1/accounts/{address}/royalties',
        'GET /v1/accounts/{address}/licenses',
        'GET /v1/accounts/{address}/sales',
        'POST /v1/verify',
        'GET /v1/creators/{did}/statements',
        'GET /v1/checkpoints/latest',
        'GET /v1/log/proofs/inclusion',
        'GET /v1/log/proofs/consistency',
        'GET /v1/search',
        'GET /v1/agents/{agent}',
        'POST /v1/agents/{agent}/policy',
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /docs',
      ].sort(),
    )
  })
})
