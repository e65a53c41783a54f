/**
 * A watch client that stops reading: the endpoint must neither lose nor reorder events once
 * the client reads again (real etcd is the oracle), and Pilothouse's endpoint must not queue
 * the backlog in memory — it pauses the watches and replays them from history, so a compaction
 * during the pause ends the watch with compact_revision, as etcd does for a watcher that fell
 * behind a compaction.
 */
import fs from 'node:fs/promises';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { Etcd3, type IWatchRequest, type IWatchResponse } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUEUED_RESPONSES } from '../watch';
import { type Target, startEtcdTarget, startPilothouseTarget } from './harness';

const VALUE = Buffer.alloc(1024, 'v');
/** Enough 1 KiB events to fill any flow-control window and the server's response queue. */
const EVENTS = MAX_QUEUED_RESPONSES * 3;

async function clientFor(t: Target): Promise<Etcd3> {
  return new Etcd3({
    hosts: t.endpoint,
    credentials: {
      rootCertificate: await fs.readFile(t.caFile),
      certChain: await fs.readFile(t.certFile),
      privateKey: await fs.readFile(t.keyFile),
    },
  });
}

async function putMany(client: Etcd3, prefix: string, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) await client.put(`${prefix}${next++ % 50}`).value(VALUE);
    }),
  );
}

/** A raw watch stream on `prefix` from `startRevision`, not read until `drain()` is called. */
async function stalledWatch(client: Etcd3, prefix: string, startRevision: number) {
  // etcd3 types it as a bare IDuplexStream; at run time it is grpc-js's client stream (a Duplex).
  const stream = (await client.watchClient.watch()) as unknown as ClientDuplexStream<
    IWatchRequest,
    IWatchResponse
  >;
  const responses: IWatchResponse[] = [];
  const created = new Promise<void>((resolve) =>
    stream.once('data', (r: IWatchResponse) => {
      responses.push(r);
      stream.pause();
      resolve();
    }),
  );
  stream.write({
    create_request: {
      key: Buffer.from(prefix),
      range_end: Buffer.from(`${prefix.slice(0, -1)}0`),
      start_revision: startRevision,
    },
  });
  await created;
  return {
    /** Read again until `done(responses)` holds (bounded); returns everything received. */
    async drain(done: (rs: IWatchResponse[]) => boolean, timeoutMs = 20_000) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        stream.on('data', (r: IWatchResponse) => {
          responses.push(r);
          if (done(responses)) {
            clearTimeout(timer);
            resolve();
          }
        });
        stream.resume();
      });
      stream.end();
      return responses;
    },
  };
}

const events = (rs: IWatchResponse[]) => rs.flatMap((r) => r.events);

describe.each([
  ['pilothouse', startPilothouseTarget],
  ['real etcd', startEtcdTarget],
] as [string, () => Promise<Target>][])('a watch client that stops reading, against %s', (_name, start) => {
  let t: Target;
  let client: Etcd3;
  beforeAll(async () => {
    t = await start();
    client = await clientFor(t);
  });
  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('gets every event, in order, once it reads again', async () => {
    const from = Number((await client.kv.range({ key: Buffer.from('/bp') })).header.revision) + 1;
    const watch = await stalledWatch(client, '/bp/', from);
    await putMany(client, '/bp/', EVENTS);
    const got = events(await watch.drain((rs) => events(rs).length >= EVENTS));
    expect(got).toHaveLength(EVENTS);
    expect(got.map((e) => Number(e.kv.mod_revision))).toEqual(
      Array.from({ length: EVENTS }, (_, i) => from + i),
    );
  }, 60_000);

  // Pilothouse's own promise (real etcd buffers instead), so only defined for that target.
  if (_name === 'pilothouse') {
    it('is paused, not buffered: a compaction during the pause ends the watch with compact_revision', async () => {
      const from = Number((await client.kv.range({ key: Buffer.from('/bq') })).header.revision) + 1;
      const watch = await stalledWatch(client, '/bq/', from);
      await putMany(client, '/bq/', EVENTS);
      const compactAt = Number((await client.kv.range({ key: Buffer.from('/bq') })).header.revision);
      await client.kv.compact({ revision: compactAt });
      const rs = await watch.drain((all) => all.some((r) => r.canceled));
      const end = rs.find((r) => r.canceled);
      expect(end?.compact_revision).toBe(String(compactAt));
      const got = events(rs);
      // What did arrive is a gap-free prefix of the history.
      expect(got.length).toBeLessThan(EVENTS);
      expect(got.map((e) => Number(e.kv.mod_revision))).toEqual(
        Array.from({ length: got.length }, (_, i) => from + i),
      );
    }, 60_000);
  }
});
