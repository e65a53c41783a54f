/**
 * Database size of the embedded store after 100,000 updates to 1,000 keys (256-byte values),
 * compacting to the current revision every 10,000 updates — what the API server's periodic
 * compaction does to a busy cluster. Prints JSON lines: size as it goes, then the final figure.
 *
 *   node --import tsx bench/store/db-size.ts [updates=100000] [keys=1000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openEmbeddedStore } from '../../electron/engine/store/embedded';

const updates = Math.min(Number(process.argv[2] ?? 100_000), 1_000_000);
const keys = Number(process.argv[3] ?? 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dbsize-'));
const store = await openEmbeddedStore({ dir, retentionSeconds: 0, log: pino({ level: 'silent' }) });
const value = Buffer.alloc(256, 0x62);
const started = performance.now();
try {
  for (let done = 0; done < updates;) {
    const batch = Math.min(500, updates - done);
    await Promise.all(
      Array.from({ length: batch }, (_, j) =>
        store.put({ key: Buffer.from(`/registry/configmaps/default/cm-${(done + j) % keys}`), value }),
      ),
    );
    done += batch;
    if (done % 10_000 === 0) {
      const { header } = await store.range({ key: Buffer.from('/'), countOnly: true });
      await store.compact(header.revision);
      const s = await store.status();
      process.stdout.write(
        `${JSON.stringify({ bench: 'store-db-size', updates: done, dbSize: s.dbSize, dbSizeInUse: s.dbSizeInUse })}\n`,
      );
    }
  }
  const s = await store.status();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'store-db-size',
      summary: true,
      updates,
      keys,
      valueBytes: 256,
      dbSizeBytes: s.dbSize,
      dbSizeMiB: Math.round((s.dbSize / 1048576) * 100) / 100,
      dbSizeInUse: s.dbSizeInUse,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    })}\n`,
  );
} finally {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
