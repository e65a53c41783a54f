#!/usr/bin/env node
// The `pilothouse` command: runs the built CLI (npm run build produces out/main/cli.js).
import { existsSync } from 'node:fs';

const entry = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('pilothouse: not built yet; run `npm run build` in the Pilothouse checkout\n');
  process.exit(1);
}
await import(entry.href);
