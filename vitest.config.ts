import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __PILOTHOUSE_VERSION__: JSON.stringify('0.0.0-test') },
  test: {
    include: ['electron/**/*.test.ts', 'renderer/src/**/*.test.ts'],
    environment: 'node',
    // Generated inputs (the OpenAPI schemas derived from kubernetes-types) exist before any test.
    globalSetup: ['scripts/vitest-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real processes on real ports; two cores do not gain from more.
    maxWorkers: 2,
  },
});
