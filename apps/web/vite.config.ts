import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// The explorer: a static bundle the server serves at `/` (apps/server/src/http/web-app.ts).
export default defineConfig({
  root: here('.'),
  base: '/',
  resolve: {
    // Workspace sources, not their builds: core is pure and runs in browsers as it is; the chain
    // package is only read for its generated ABIs (its index pulls in node-only code).
    alias: {
      '@mintmark/core': here('../../packages/core/src/index.ts'),
      '@mintmark/chain-abi': here('../../packages/chain/src/generated/contracts.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev -w @mintmark/web`: the API of a running `mintmark serve` behind the dev server.
  server: { proxy: { '/v1': process.env.MINTMARK_API ?? 'http://127.0.0.1:8080', '/docs': process.env.MINTMARK_API ?? 'http://127.0.0.1:8080' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed files live under /static/ (cached as immutable); /assets/<cid> is an app route.
    assetsDir: 'static',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
  },
})
