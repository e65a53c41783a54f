/**
 * The embedded (LMDB) backend's own promises: durability across kill -9, reopening, clear
 * errors for damaged files, and space reuse after compaction. Semantics are the conformance
 * suite's job.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../types';
import { DB_FILE, openEmbeddedStore } from '.';

const log = pino({ level: 'silent' });
const b = (s: string) => Buffer.from(s);
const dirs: string[] = [];
const open: Store[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pilothouse-store-'));
  dirs.push(d);
  return d;
}
async function openStore(dir: string): Promise<Store> {
  const s = await openEmbeddedStore({ dir, retentionSeconds: 0, log });
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('embedded store', () => {
  it('keeps data, revisions, leases and the compact revision across a reopen', async () => {
    const dir = tempDir();
    const s = await openStore(dir);
    const lease = await s.leaseGrant(600);
    await s.put({ key: b('a'), value: b('1'), lease: lease.id });
    await s.put({ key: b('a'), value: b('2'), lease: lease.id });
    await s.put({ key: b('b'), value: b('x') });
    await s.compact(3);
    await s.close();
    open.length = 0;

    const again = await openStore(dir);
    const r = await again.range({ key: b('a'), rangeEnd: b('c') });
    expect(r.header.revision).toBe(4);
    expect(r.kvs.map((kv) => [kv.key.toString(), Buffer.from(kv.value).toString(), kv.version])).toEqual([
      ['a', '2', 2],
      ['b', 'x', 1],
    ]);
    await expect(again.range({ key: b('a'), revision: 2 })).rejects.toMatchObject({ code: 'compacted' });
    const ttl = await again.leaseTimeToLive(lease.id, true);
    expect(ttl.keys.map((k) => Buffer.from(k).toString())).toEqual(['a']);
    expect((await again.put({ key: b('c'), value: b('') })).header.revision).toBe(5);
  });

  it('keeps every acknowledged write when killed with SIGKILL during 1,000 concurrent writes', async () => {
    const dir = tempDir();
    const writer = path.join(import.meta.dirname, '../testing/crash-writer.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, '1000', '64'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acks = new Map<string, { rev: number; value: string }>();
    const revs: number[] = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('writer made no progress within 30 s')), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const [tag, key, rev, value] = line.split(' ');
          if (tag !== 'ack' || !key || !value) continue;
          const prev = acks.get(key);
          if (!prev || prev.rev < Number(rev)) acks.set(key, { rev: Number(rev), value });
          revs.push(Number(rev));
          // Kill in the middle of the run, with writes in flight.
          if (revs.length === 400) {
            child.kill('SIGKILL');
            clearTimeout(timer);
          }
        }
      });
      child.on('exit', () => resolve());
    });
    expect(revs.length).toBeGreaterThanOrEqual(400);
    expect(revs.length).toBeLessThan(1000);

    const s = await openStore(dir);
    const r = await s.range({ key: b('crash/'), rangeEnd: b('crash0') });
    const found = new Map(r.kvs.map((kv) => [kv.key.toString(), kv]));
    for (const [key, ack] of acks) {
      const kv = found.get(key);
      expect(kv, `acknowledged ${key}@${ack.rev} is missing`).toBeDefined();
      // The stored revision is the acknowledged one or a later write that also reached disk.
      expect(kv?.modRevision).toBeGreaterThanOrEqual(ack.rev);
    }
    // Revisions continue strictly after the crash.
    const before = r.header.revision;
    expect(before).toBeGreaterThanOrEqual(Math.max(...revs));
    expect((await s.put({ key: b('after'), value: b('1') })).header.revision).toBe(before + 1);
    // History is intact: every key's versions count up without gaps in the log.
    const all = await s.range({ key: b('crash/'), rangeEnd: b('crash0'), revision: 0 });
    for (const kv of all.kvs) expect(kv.createRevision).toBeLessThanOrEqual(kv.modRevision);
  });

  it.each([
    [
      'truncated',
      (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)),
      /is truncated/,
    ],
    [
      'overwritten with garbage',
      (file: string) => fs.writeFileSync(file, Buffer.alloc(fs.statSync(file).size, 7)),
      /not a Pilothouse store/,
    ],
    ['emptied', (file: string) => fs.truncateSync(file, 0), /is empty/],
  ])('refuses a %s database file with an error naming it', async (_what, damage, message) => {
    const dir = tempDir();
    const s = await openStore(dir);
    for (let i = 0; i < 3000; i++) void s.put({ key: b(`k/${i % 500}`), value: Buffer.alloc(512, i % 256) });
    await s.put({ key: b('last'), value: b('1') });
    await s.close();
    open.length = 0;
    const file = path.join(dir, DB_FILE);
    damage(file);
    const err = await openEmbeddedStore({ dir, retentionSeconds: 0, log }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'corrupt' });
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(message);
  });

  it('stops growing once compaction frees history (pages are reused)', async () => {
    const dir = tempDir();
    const s = await openStore(dir);
    const value = Buffer.alloc(256, 1);
    const round = async () => {
      for (let i = 0; i < 5000; i += 250) {
        await Promise.all(
          Array.from({ length: 250 }, (_, j) => s.put({ key: b(`u/${(i + j) % 500}`), value })),
        );
      }
      const { header } = await s.range({ key: b('u/'), countOnly: true, rangeEnd: b('u0') });
      await s.compact(header.revision);
    };
    await round();
    await round();
    const settled = (await s.status()).dbSize;
    for (let i = 0; i < 4; i++) await round();
    // Four more rounds of 5,000 updates reuse freed pages instead of growing the file.
    expect((await s.status()).dbSize).toBeLessThanOrEqual(settled * 1.25);
  });
});
