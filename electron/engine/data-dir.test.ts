import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataPaths } from './config';
import { lockDataDir, prepareDataDir } from './data-dir';
import { EngineError } from './errors';

const tempDirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(tempDirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pilothouse-datadir-'));
  tempDirs.push(dir);
  return dir;
}

/** The pid of a process that is alive for the rest of the test. */
async function livePid(): Promise<number> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child.pid as number;
}

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true', [], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid as number;
}

const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
const readLock = (dir: string) => fs.readFile(dataPaths(dir).lock, 'utf8');
const lockExists = (dir: string) =>
  fs.access(dataPaths(dir).lock).then(
    () => true,
    () => false,
  );

describe('prepareDataDir', () => {
  it('creates missing nested dirs, each 0700, and leaves no probe file behind', async () => {
    const root = await tempDir();
    const dataDir = path.join(root, 'a', 'b', 'c');
    await prepareDataDir(dataDir);

    for (const dir of [path.join(root, 'a'), path.join(root, 'a', 'b'), dataDir]) {
      expect({ dir, mode: await mode(dir) }).toEqual({ dir, mode: 0o700 });
    }
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('accepts a data dir that already exists and keeps its content', async () => {
    const dataDir = await tempDir();
    await fs.writeFile(path.join(dataDir, 'keep'), 'x');
    await prepareDataDir(dataDir);
    expect(await fs.readdir(dataDir)).toEqual(['keep']);
  });

  it('rejects a path below a regular file with DATA_DIR_UNWRITABLE naming the dir', async () => {
    const root = await tempDir();
    await fs.writeFile(path.join(root, 'file'), 'not a dir');
    const dataDir = path.join(root, 'file', 'data');

    const attempt = prepareDataDir(dataDir);
    await expect(attempt).rejects.toBeInstanceOf(EngineError);
    await expect(attempt).rejects.toMatchObject({
      code: 'DATA_DIR_UNWRITABLE',
      message: expect.stringContaining(`data dir ${dataDir} is not writable (ENOTDIR)`),
    });
  });

  it('names the resolved absolute dir when given a relative path', async () => {
    const root = await tempDir();
    await fs.writeFile(path.join(root, 'file'), 'not a dir');
    const relative = path.relative(process.cwd(), path.join(root, 'file', 'data'));

    await expect(prepareDataDir(relative)).rejects.toThrow(`data dir ${path.join(root, 'file', 'data')} `);
  });
});

describe('lockDataDir', () => {
  it('writes our pid into the lock file', async () => {
    const dir = await tempDir();
    await lockDataDir(dir);
    expect(await readLock(dir)).toBe(`${process.pid}\n`);
    expect(await mode(dataPaths(dir).lock)).toBe(0o600);
  });

  it('refuses a data dir locked by another live process with DATA_DIR_LOCKED', async () => {
    const dir = await tempDir();
    const pid = await livePid();
    await fs.writeFile(dataPaths(dir).lock, `${pid}\n`);

    const attempt = lockDataDir(dir);
    await expect(attempt).rejects.toBeInstanceOf(EngineError);
    await expect(attempt).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining(`(pid ${pid})`),
    });
    // The other engine's lock is left alone.
    expect(await readLock(dir)).toBe(`${pid}\n`);
  });

  it.each([
    ['the pid of an exited process', async () => `${await deadPid()}\n`],
    ['an empty file (crash before the pid was written)', async () => ''],
    ['garbage', async () => 'not a pid'],
  ])('takes over a stale lock holding %s', async (_name, content) => {
    const dir = await tempDir();
    await fs.writeFile(dataPaths(dir).lock, await content());

    const release = await lockDataDir(dir);
    expect(await readLock(dir)).toBe(`${process.pid}\n`);
    await release();
    expect(await lockExists(dir)).toBe(false);
  });

  it('lets the next engine lock the dir after release', async () => {
    const dir = await tempDir();
    const release = await lockDataDir(dir);
    await release();
    expect(await lockExists(dir)).toBe(false);
    await expect(lockDataDir(dir)).resolves.toEqual(expect.any(Function));
  });

  it('does not remove a lock that now belongs to someone else on release', async () => {
    const dir = await tempDir();
    const release = await lockDataDir(dir);
    const other = await livePid();
    await fs.writeFile(dataPaths(dir).lock, `${other}\n`);

    await release();
    expect(await readLock(dir)).toBe(`${other}\n`);
  });

  it('releases quietly when the lock file is already gone', async () => {
    const dir = await tempDir();
    const release = await lockDataDir(dir);
    await fs.rm(dataPaths(dir).lock);
    await expect(release()).resolves.toBeUndefined();
  });
});
