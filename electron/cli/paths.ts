import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors';

/**
 * Where the built pieces sit relative to the built CLI (out/main/cli.js): the engine host entry
 * beside it, the renderer in out/renderer.
 */
export function builtPaths(): { engineEntry: string; rendererDir: string } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const engineEntry = path.join(here, 'engine.js');
  const rendererDir = path.resolve(here, '../renderer');
  if (!existsSync(engineEntry)) {
    throw new CliError(`the engine is not built (${engineEntry} is missing); run npm run build`);
  }
  return { engineEntry, rendererDir };
}
