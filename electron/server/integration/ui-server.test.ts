/**
 * The headless UI server as a browser meets it: login, session cookie, Host/Origin checks, and
 * the WebSocket transport of the UI contract — against the real built `pilothouse server`.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClusterStatus, Envelope, ServerFrame } from '../../contract';
import { startServer, type RunningServer } from '../../../e2e/support/pilothouse-server';

let server: RunningServer;
let origin: string;

beforeAll(async () => {
  server = await startServer();
  origin = new URL(server.uiUrl).origin;
});
afterAll(async () => {
  await server?.stop();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function loginCookie(): Promise<string> {
  const r = await request('/auth/login', {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ token: server.token }),
  });
  expect(r.status).toBe(204);
  const cookie = r.headers['set-cookie']?.[0] ?? '';
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie.split(';')[0] ?? '';
}

/** A WebSocket client speaking the contract's frames. */
async function openClient(cookie: string) {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, { headers: { cookie, origin } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const events: ServerFrame[] = [];
  const waiting = new Map<number, (e: Envelope<unknown>) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as ServerFrame;
    if (frame.t === 'res') waiting.get(frame.id)?.(frame.envelope);
    else events.push(frame);
  });
  let id = 0;
  return {
    ws,
    events,
    call(channel: string, args?: unknown): Promise<Envelope<unknown>> {
      const n = ++id;
      return new Promise((resolve) => {
        waiting.set(n, resolve);
        ws.send(JSON.stringify({ t: 'req', id: n, channel, args }));
      });
    },
    sendRaw(text: string) {
      ws.send(text);
    },
    async nextStatus(pred: (s: ClusterStatus) => boolean, timeoutMs = 10_000): Promise<ClusterStatus> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = events.find(
          (e) =>
            e.t === 'evt' &&
            e.channel === 'cluster:events' &&
            pred((e.payload as { status: ClusterStatus }).status),
        );
        if (hit && hit.t === 'evt') return (hit.payload as { status: ClusterStatus }).status;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no matching cluster:events within ${timeoutMs} ms: ${JSON.stringify(events)}`);
    },
  };
}

function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

describe('login', () => {
  it('serves the app shell with security headers but no session', async () => {
    const r = await request('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<div id="app">');
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect((await request('/auth/session')).status).toBe(401);
  });

  it('turns the printed login URL into a session cookie and drops the token from the URL', async () => {
    const r = await request(`/?token=${server.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookie = (r.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    expect((await request('/auth/session', { headers: { cookie } })).status).toBe(200);
  });

  it.each([
    ['a wrong token', JSON.stringify({ token: 'nope' }), 401],
    ['a token of the wrong type', JSON.stringify({ token: 42 }), 401],
    ['malformed JSON', '{"token": ', 400],
    ['an oversized body', JSON.stringify({ token: 'x'.repeat(10_000) }), 413],
  ])('refuses %s', async (_what, body, status) => {
    const r = await request('/auth/login', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body,
    });
    expect(r.status).toBe(status);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(JSON.parse(r.body)).toHaveProperty('error');
  });

  it('refuses a wrong token in the URL without a session', async () => {
    const r = await request('/?token=wrong');
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/#/login?error=invalid-token');
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('refuses cross-origin logins and foreign Host headers', async () => {
    const body = JSON.stringify({ token: server.token });
    const cross = await request('/auth/login', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      body,
    });
    expect(cross.status).toBe(403);
    const rebinding = await request('/', { headers: { host: 'evil.example' } });
    expect(rebinding.status).toBe(421);
  });

  it('ends a session on logout', async () => {
    const cookie = await loginCookie();
    const r = await request('/auth/logout', { method: 'POST', headers: { cookie, origin } });
    expect(r.status).toBe(204);
    expect((await request('/auth/session', { headers: { cookie } })).status).toBe(401);
  });
});

describe('WebSocket transport', () => {
  it('requires a session and a same-origin Origin', async () => {
    const cookie = await loginCookie();
    expect(await upgradeStatus({ origin })).toBe(401);
    expect(await upgradeStatus({ origin, cookie: 'pilothouse_session=forged' })).toBe(401);
    expect(await upgradeStatus({ origin: 'http://evil.example', cookie })).toBe(403);
    expect(await upgradeStatus({ origin, cookie })).toBe(101);
  });

  it('answers cluster:status with the running, ready control plane', async () => {
    const client = await openClient(await loginCookie());
    const env = await client.call('cluster:status');
    expect(env.ok).toBe(true);
    const status = (env as { result: ClusterStatus }).result;
    expect(status).toMatchObject({
      engine: 'running',
      engineError: null,
      dataDir: server.dataDir,
      kubeconfigPath: server.kubeconfig,
      apiServer: { url: server.apiUrl, ready: true, error: null },
    });
    expect(status.apiServer?.gitVersion).toMatch(/\+pilothouse\./);
    client.ws.close();
  });

  it('answers bad requests with error envelopes and keeps the connection', async () => {
    const client = await openClient(await loginCookie());
    expect(await client.call('cluster:nope')).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL', message: 'unknown channel cluster:nope' },
    });
    const invalid = await client.call('cluster:status', { unexpected: true });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    client.sendRaw('this is not json');
    client.sendRaw(JSON.stringify({ t: 'req', id: 'x' }));
    const malformed = await new Promise<Envelope<unknown>>((resolve) => {
      client.ws.once('message', (d) =>
        resolve((JSON.parse(String(d)) as { envelope: Envelope<unknown> }).envelope),
      );
      client.sendRaw(JSON.stringify({ t: 'req', id: 77, channel: 42 }));
    });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect((await client.call('cluster:status')).ok).toBe(true);
    client.ws.close();
  });

  it('stops and starts the cluster and pushes each state as cluster:events', async () => {
    const client = await openClient(await loginCookie());
    const watcher = await openClient(await loginCookie());
    const stopped = await client.call('cluster:stop');
    expect(stopped).toMatchObject({ ok: true, result: { engine: 'stopped', apiServer: null } });
    await watcher.nextStatus((s) => s.engine === 'stopping');
    await watcher.nextStatus((s) => s.engine === 'stopped');

    const started = await client.call('cluster:start');
    expect(started).toMatchObject({ ok: true, result: { engine: 'running', apiServer: { ready: true } } });
    await watcher.nextStatus((s) => s.engine === 'running' && s.apiServer?.ready === true);
    client.ws.close();
    watcher.ws.close();
  });
});
