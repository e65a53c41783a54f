/**
 * The :authority repair, on synthetic frames and between Node's own HTTP/2 client and server on
 * loopback (Node's client sends whatever :authority it is given, as etcdctl 3.4 does).
 */
import http2 from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorityFixer, AuthorityFixingStream, repairAuthority } from './h2-authority';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** A raw-literal `:authority` (static name 1, literal with incremental indexing). */
const authority = (value: string) => Buffer.concat([Buffer.from([0x41, value.length]), Buffer.from(value)]);
const GET = Buffer.from([0x82, 0x87, 0x84]); // :method GET, :scheme https, :path /

describe('repairAuthority', () => {
  it.each([
    ['127.0.0.1:2379', null],
    ['localhost:2379', null],
    ['[::1]:2379', null],
    ['https://127.0.0.1:2379', 'https:__127.0.0.1:2379'],
    ['a b', 'a_b'],
  ])('%j → %j', (value, repaired) => {
    expect(repairAuthority(value)).toBe(repaired);
  });
});

describe('AuthorityFixer', () => {
  const settings = frame(0x4, 0, 0, Buffer.alloc(6));
  const data = frame(0x0, 0x1, 1, Buffer.from('payload'));

  it('repairs a block split over HEADERS (padded, with priority) and CONTINUATION, fed byte by byte', () => {
    const block = Buffer.concat([GET, authority('https://127.0.0.1:2379')]);
    const priority = Buffer.from([0, 0, 0, 0, 16]);
    const headers = frame(
      0x1,
      0x8 | 0x20,
      1,
      Buffer.concat([Buffer.from([3]), priority, block.subarray(0, 10), Buffer.alloc(3)]),
    );
    const continuation = frame(0x9, 0x4, 1, block.subarray(10));
    const input = Buffer.concat([PREFACE, settings, headers, continuation, data]);

    const fixer = new AuthorityFixer();
    const out = Buffer.concat([...input].flatMap((byte) => fixer.transform(Buffer.from([byte]))));
    const fixedBlock = Buffer.concat([GET, authority('https:__127.0.0.1:2379')]);
    expect(out).toEqual(
      Buffer.concat([
        PREFACE,
        settings,
        frame(0x1, 0x20 | 0x4, 1, Buffer.concat([priority, fixedBlock])),
        data,
      ]),
    );
    expect(fixer.repaired).toBe(1);
    expect(fixer.passing).toBe(false);
  });

  it('steps aside for good once a valid authority was seen', () => {
    const headers = frame(0x1, 0x4 | 0x1, 1, Buffer.concat([GET, authority('127.0.0.1:2379')]));
    const fixer = new AuthorityFixer();
    const first = Buffer.concat([PREFACE, settings, headers]);
    expect(Buffer.concat(fixer.transform(first))).toEqual(first);
    expect(fixer.passing).toBe(true);
    const later = Buffer.from('anything at all');
    expect(fixer.transform(later)).toEqual([later]);
  });

  it('forwards what is not HTTP/2 untouched', () => {
    const fixer = new AuthorityFixer();
    const http1 = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(Buffer.concat(fixer.transform(http1))).toEqual(http1);
    expect(fixer.passing).toBe(true);
  });
});

describe('between a Node HTTP/2 client and server', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function serve(repair: boolean): Promise<{ port: number; seen: string[] }> {
    const seen: string[] = [];
    const h2 = http2.createServer();
    h2.on('stream', (stream, headers) => {
      seen.push(String(headers[':authority']));
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const listener = net.createServer((socket) =>
      h2.emit('connection', repair ? new AuthorityFixingStream(socket) : socket),
    );
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      listener.close();
      h2.close();
    });
    return { port: (listener.address() as net.AddressInfo).port, seen };
  }

  function request(session: http2.ClientHttp2Session, authorityValue: string): Promise<string> {
    return new Promise((resolve) => {
      const req = session.request({ ':authority': authorityValue, ':path': '/' });
      req.on('response', (h) => resolve(String(h[':status'])));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.resume();
      req.end();
    });
  }

  async function connect(port: number) {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => session.destroy());
    await new Promise((resolve) => session.once('connect', resolve));
    return session;
  }

  it("needs the repair: nghttp2 refuses etcdctl 3.4's authority", async () => {
    const { port } = await serve(false);
    expect(await request(await connect(port), 'https://127.0.0.1:2379')).toBe('ERR_HTTP2_STREAM_ERROR');
  });

  it('serves repaired requests, keeping the compression state in step across requests', async () => {
    const { port, seen } = await serve(true);
    const session = await connect(port);
    for (const value of [
      'https://127.0.0.1:2379',
      'https://127.0.0.1:2379',
      'http://localhost:1',
      'https://127.0.0.1:2379',
    ]) {
      expect(await request(session, value)).toBe('200');
    }
    expect(seen).toEqual([
      'https:__127.0.0.1:2379',
      'https:__127.0.0.1:2379',
      'http:__localhost:1',
      'https:__127.0.0.1:2379',
    ]);
  });

  it('leaves clean connections alone', async () => {
    const { port, seen } = await serve(true);
    const session = await connect(port);
    for (let i = 0; i < 3; i++) expect(await request(session, '127.0.0.1:2379')).toBe('200');
    expect(seen).toEqual(['127.0.0.1:2379', '127.0.0.1:2379', '127.0.0.1:2379']);
  });
});
