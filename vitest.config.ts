import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['development'] },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts', 'vectors/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Both cores: vitest's default (cores − 1) runs the files one at a time on a 2-core machine,
    // and the end-to-end files (crash, chain, media) then add up to most of CI's time budget.
    maxWorkers: 2,
  },
})
