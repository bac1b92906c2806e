import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CLI tests run the built CLI in-process (test/cli/harness.ts); two workers match CI's two cores.
    maxWorkers: 2,
    // Files share a worker's modules instead of importing the engine afresh each: every test makes
    // its own pool and home, and `vitest --sequence.shuffle` passes, so no file depends on another.
    isolate: false,
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
