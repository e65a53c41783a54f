// `npm start` (desktop app) and `npm run server -- [flags]` (headless): install dependencies if
// needed, build if the sources changed since the last build, then run.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureDeps, ROOT } from './ensure-deps.mjs';

const [mode = 'desktop', ...rest] = process.argv.slice(2);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuilt() {
  const marker = path.join(ROOT, 'out/main/cli.js');
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'electron')),
    newestMtime(path.join(ROOT, 'renderer')),
    statSync(path.join(ROOT, 'package-lock.json')).mtimeMs,
  );
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  console.error('pilothouse: building…');
  execFileSync(path.join(ROOT, 'node_modules/.bin/electron-vite'), ['build'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/** Electron's binary, installing it when missing (dependency install scripts are off; see .npmrc). */
function electronBinary() {
  const pkg = path.join(ROOT, 'node_modules/electron');
  const binary = () => {
    const pathFile = path.join(pkg, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const bin = path.join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(bin) ? bin : null;
  };
  if (binary()) return binary();
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    fail(
      `installing Electron needs Node.js 22.12 or newer (this is ${process.versions.node}); or run the UI headless: npm run server`,
    );
  }
  console.error('pilothouse: downloading Electron (once)…');
  try {
    execFileSync(process.execPath, [path.join(pkg, 'install.js')], { cwd: pkg, stdio: 'inherit' });
  } catch {
    fail('could not download Electron (no Internet access?); run the UI headless instead: npm run server');
  }
  return (
    binary() ?? fail('Electron installed but its binary is missing; delete node_modules/electron and retry')
  );
}

function fail(message) {
  console.error(`pilothouse: ${message}`);
  process.exit(1);
}

ensureDeps();
ensureBuilt();
if (mode === 'server') {
  // Run the CLI in this process, so Ctrl-C and the exit code reach it directly.
  process.argv = [process.argv[0], path.join(ROOT, 'bin/pilothouse.js'), 'server', ...rest];
  await import(path.join(ROOT, 'out/main/cli.js'));
} else if (mode === 'desktop') {
  const child = spawn(electronBinary(), [ROOT, ...rest], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  fail(`unknown mode ${mode}: use desktop or server`);
}
