/**
 * End-to-end tests in Debian's Chromium (never a downloaded browser) against the built
 * `pilothouse server`, plus the Electron window where Electron's binary exists.
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.PILOTHOUSE_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: '../.test-output/e2e.json' }]],
  outputDir: '../test-results',
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      // Flags that make Chromium work as root in this closed network without phoning home.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
