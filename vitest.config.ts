import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Integration tests spawn dozens of processes each; running files one at a time keeps a
    // 2-core machine from starving them into lock timeouts.
    fileParallelism: false,
    setupFiles: ['test/support/setup.ts'],
  },
});
