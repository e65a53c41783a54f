// Vitest global setup: write the generated inputs tests import (scripts/gen-openapi.mjs is
// idempotent and takes about a second), so `npx vitest` works on a fresh clone without a build.
import { execFileSync } from 'node:child_process';

export default function setup() {
  execFileSync(process.execPath, ['scripts/gen-openapi.mjs'], { stdio: 'inherit' });
}
