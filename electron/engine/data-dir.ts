import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from './errors';
import { dataPaths } from './config';

/**
 * Create the data dir (0700) and prove it is writable by writing a probe file. Permission bits
 * alone do not tell (root ignores them; read-only mounts and full disks do not show in them).
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  const dir = path.resolve(dataDir);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    await fs.writeFile(probe, 'ok', { mode: 0o600 });
    await fs.rm(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new EngineError(
      'DATA_DIR_UNWRITABLE',
      `data dir ${dir} is not writable (${code}); choose another with --data-dir or fix its permissions`,
      { cause: err },
    );
  }
}

/**
 * One engine per data dir, like postgres' postmaster.pid: a lock file holding our pid. A lock
 * left by a process that no longer exists is taken over. Returns the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = dataPaths(dataDir).lock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return async () => {
        const owner = await fs.readFile(lockFile, 'utf8').catch(() => '');
        if (owner.trim() === String(process.pid)) await fs.rm(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new EngineError(
          'DATA_DIR_LOCKED',
          `data dir ${dataDir} is in use by another Pilothouse engine (pid ${pid}); stop it or pass another --data-dir`,
        );
      }
      await fs.rm(lockFile, { force: true });
    }
  }
  throw new EngineError('DATA_DIR_LOCKED', `could not take the lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
