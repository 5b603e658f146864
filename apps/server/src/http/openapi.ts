import { z } from 'zod'
import type { RouteDefinition } from '../routes.js'

/** JSON Schema of a zod schema for OpenAPI 3.1 (JSON Schema 2020-12), input or output side. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>
  delete s.$schema
  return s
}

function parametersOf(schema: z.ZodType, where: 'path' | 'query'): Record<string, unknown>[] {
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] }
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    schema: prop,
  }))
}

/** The OpenAPI 3.1 document, generated from the route table's zod schemas. */
export function createOpenApiDocument(routes: readonly RouteDefinition[], info: { version: string; serverUrl?: string | undefined }) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: r.tags,
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, resp]) => [
          status,
          { description: resp.description, content: { [resp.contentType ?? 'application/json']: { schema: jsonSchema(resp.schema, 'output') } } },
        ]),
      ),
      security: r.auth.type === 'public' ? [] : [{ apiKey: [r.auth.scope] }, ...(r.auth.didSigned ? [{ httpSignature: [] }] : [])],
      'x-auth': r.auth,
      'x-rate-limit-bucket': r.bucket,
      'x-body-limit': r.bodyLimit,
      ...(r.idempotent ? { 'x-idempotent': true } : {}),
    }
    if (r.body) {
      const content: Record<string, unknown> = {}
      if (r.body.kinds.includes('json')) content['application/json'] = { schema: r.body.json ? jsonSchema(r.body.json, 'input') : {} }
      if (r.body.kinds.includes('multipart')) content['multipart/form-data'] = { schema: { type: 'object' } }
      if (r.body.kinds.includes('file')) content['application/octet-stream'] = { schema: { type: 'string', format: 'binary' } }
      op.requestBody = { required: true, description: r.body.description, content }
    }
    const p = r.path
    paths[p] ??= {}
    ;(paths[p] as Record<string, unknown>)[r.method.toLowerCase()] = op
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mintmark API',
      version: info.version,
      description: 'Provenance, licensing and verification of AI-generated assets. Errors are application/problem+json with a stable `code`.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'API key `mm_<id>_<secret>` with scopes (assets:write, verify, admin).' },
        httpSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Signature',
          description:
            'RFC 9421 HTTP message signature by a did:key (Ed25519): Signature-Input must cover "@method", "@target-uri" (or "@path") and "content-digest" (RFC 9530 sha-256), with created, nonce and keyid parameters.',
        },
      },
    },
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A plain HTML reference page rendered from the OpenAPI document (no scripts, no CDN). */
export function renderDocsHtml(doc: ReturnType<typeof createOpenApiDocument>): string {
  const parts: string[] = []
  const toc: string[] = []
  for (const [p, methods] of Object.entries(doc.paths)) {
    for (const [method, opAny] of Object.entries(methods)) {
      const op = opAny as Record<string, unknown>
      const id = esc(String(op.operationId))
      toc.push(`<li><a href="#${id}"><code>${method.toUpperCase()} ${esc(p)}</code></a> ${esc(String(op.summary))}</li>`)
      const params = (op.parameters as { name: string; in: string; required: boolean; description?: string; schema: unknown }[]) ?? []
      const rows = params
        .map((x) => `<tr><td><code>${esc(x.name)}</code></td><td>${x.in}</td><td>${x.required ? 'yes' : ''}</td><td>${esc(x.description ?? '')}</td><td><code>${esc(JSON.stringify(x.schema))}</code></td></tr>`)
        .join('')
      const responses = Object.entries(op.responses as Record<string, { description: string; content: Record<string, { schema: unknown }> }>)
        .map(([status, r]) => {
          const [ct, c] = Object.entries(r.content)[0] ?? ['', { schema: {} }]
          return `<details><summary><b>${status}</b> ${esc(r.description)} <code>${esc(ct)}</code></summary><pre>${esc(JSON.stringify(c.schema, null, 2))}</pre></details>`
        })
        .join('')
      const body = op.requestBody as { description: string; content: Record<string, { schema: unknown }> } | undefined
      parts.push(`<section id="${id}">
<h2><code>${method.toUpperCase()} ${esc(p)}</code></h2>
<p>${esc(String(op.summary))}</p>
${op.description ? `<pre class="desc">${esc(String(op.description))}</pre>` : ''}
<p class="meta">auth: <code>${esc(JSON.stringify(op['x-auth']))}</code> · rate-limit bucket: <code>${esc(String(op['x-rate-limit-bucket']))}</code> · body limit: <code>${esc(String(op['x-body-limit']))}</code> bytes${op['x-idempotent'] ? ' · Idempotency-Key' : ''}</p>
${rows ? `<table><tr><th>name</th><th>in</th><th>required</th><th>description</th><th>schema</th></tr>${rows}</table>` : ''}
${body ? `<h3>Request body</h3><p>${esc(body.description)}</p>${Object.entries(body.content).map(([ct, c]) => `<details><summary><code>${esc(ct)}</code></summary><pre>${esc(JSON.stringify(c.schema, null, 2))}</pre></details>`).join('')}` : ''}
<h3>Responses</h3>${responses}
</section>`)
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .4rem;vertical-align:top}section{border-top:1px solid #ccc;margin-top:2rem}.meta{color:#555}</style>
</head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<ul>${toc.join('')}</ul>
${parts.join('\n')}
</body></html>`
}
