import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ClusterStatus, Envelope } from '../contract';
import { BackendError } from './errors';
import { type CallContext, HandlerRegistry, noArgs } from './registry';

const ctx: CallContext = { transport: 'ws', client: 'test-client' };

const status: ClusterStatus = {
  engine: 'running',
  engineError: null,
  startedAt: '2025-01-01T00:00:00.000Z',
  dataDir: '/tmp/pilothouse',
  kubeconfigPath: '/tmp/pilothouse/kubeconfig.yaml',
  apiServer: null,
};

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A real pino logger at debug level whose JSON lines land in memory. */
function memoryLogger() {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text.push(chunk.toString());
      done();
    },
  });
  const log = pino({ level: 'debug' }, stream);
  return {
    log,
    text: () => text.join(''),
    lines: (): LogLine[] =>
      text
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as LogLine),
  };
}

function makeRegistry() {
  const logs = memoryLogger();
  return { registry: new HandlerRegistry(logs.log), logs };
}

/**
 * A channel with a real argument schema. The contract has only argument-less channels so far,
 * and `handle` accepts only contract channel names with contract argument types; hence the casts.
 */
const loginSchema = z.object({ user: z.string(), password: z.string() });
function handleLogin(
  registry: HandlerRegistry,
  handler: (args: z.infer<typeof loginSchema>) => Promise<unknown>,
) {
  registry.handle('test:login' as never, loginSchema as never, handler as never);
}

describe('HandlerRegistry.invoke', () => {
  it('wraps a handler result in an ok envelope and passes the call context', async () => {
    const { registry } = makeRegistry();
    const handler = vi.fn(async (_args: unknown, _ctx: CallContext) => status);
    registry.handle('cluster:status', noArgs, handler);

    await expect(registry.invoke('cluster:status', undefined, ctx)).resolves.toEqual({
      ok: true,
      result: status,
    });
    expect(handler).toHaveBeenCalledWith(undefined, ctx);
  });

  it('answers UNKNOWN_CHANNEL for a channel nobody registered', async () => {
    const { registry } = makeRegistry();
    const envelope = await registry.invoke('cluster:nope', undefined, ctx);
    expect(envelope).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL', message: 'unknown channel cluster:nope' },
    });
  });

  it('hands the handler the parsed arguments', async () => {
    const { registry } = makeRegistry();
    const handler = vi.fn(async () => 'welcome');
    handleLogin(registry, handler);

    await expect(registry.invoke('test:login', { user: 'ada', password: 'pw' }, ctx)).resolves.toEqual({
      ok: true,
      result: 'welcome',
    });
    expect(handler).toHaveBeenCalledWith({ user: 'ada', password: 'pw' }, ctx);
  });

  it.each([
    ['a missing field', { user: 'ada' }],
    ['a wrong type', { user: 'ada', password: 42 }],
    ['no object at all', 'ada:pw'],
    ['nothing', undefined],
  ])('answers INVALID_ARGUMENT for %s and does not call the handler', async (_name, args) => {
    const { registry } = makeRegistry();
    const handler = vi.fn(async () => 'welcome');
    handleLogin(registry, handler);

    const envelope = await registry.invoke('test:login', args, ctx);
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(errorOf(envelope).message).toMatch(/^invalid arguments for test:login: /);
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    ['undefined', undefined, true],
    ['null', null, true],
    ['an object', { x: 1 }, false],
    ['a string', '', false],
  ])('noArgs accepts only nothing: %s', async (_name, args, accepted) => {
    const { registry } = makeRegistry();
    const handler = vi.fn(async () => status);
    registry.handle('cluster:status', noArgs, handler);

    const envelope = await registry.invoke('cluster:status', args, ctx);
    if (accepted) {
      expect(envelope).toEqual({ ok: true, result: status });
      // null is normalised, so handlers only ever see undefined.
      expect(handler).toHaveBeenCalledWith(undefined, ctx);
    } else {
      expect(envelope).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      expect(handler).not.toHaveBeenCalled();
    }
  });

  it('turns a BackendError into its code and message', async () => {
    const { registry } = makeRegistry();
    registry.handle('cluster:stop', noArgs, async () => {
      throw new BackendError('CONFLICT', 'the cluster is already stopped');
    });
    await expect(registry.invoke('cluster:stop', undefined, ctx)).resolves.toEqual({
      ok: false,
      error: { code: 'CONFLICT', message: 'the cluster is already stopped' },
    });
  });

  it.each([
    ['an Error thrown from an async handler', async () => Promise.reject(new Error('boom'))],
    [
      'an Error thrown synchronously',
      () => {
        throw new Error('boom');
      },
    ],
    ['a non-Error value', async () => Promise.reject('boom')],
  ])('turns %s into INTERNAL without throwing', async (_name, handler) => {
    const { registry } = makeRegistry();
    // The handler type demands a Promise<ClusterStatus>; these handlers deliberately break it.
    registry.handle('cluster:start', noArgs, handler as never);
    await expect(registry.invoke('cluster:start', undefined, ctx)).resolves.toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'boom' },
    });
  });

  it('refuses to register a channel twice', () => {
    const { registry } = makeRegistry();
    registry.handle('cluster:status', noArgs, async () => status);
    expect(() => registry.handle('cluster:status', noArgs, async () => status)).toThrow(
      'handler for cluster:status registered twice',
    );
    expect(registry.channels()).toEqual(['cluster:status']);
  });
});

describe('HandlerRegistry logging', () => {
  it('logs each call at debug with channel, transport and client', async () => {
    const { registry, logs } = makeRegistry();
    registry.handle('cluster:status', noArgs, async () => status);
    await registry.invoke('cluster:status', undefined, ctx);

    const [line] = logs.lines();
    expect(line).toMatchObject({
      level: pino.levels.values.debug,
      msg: 'ui call',
      channel: 'cluster:status',
      transport: 'ws',
      client: 'test-client',
    });
    expect(line?.ms).toEqual(expect.any(Number));
  });

  it.each([
    ['a successful call', 'test:login', { user: 'ada', password: 'hunter2' }],
    ['a rejected call', 'test:login', { user: 7, password: 'hunter2' }],
    ['an unknown channel', 'test:other', { password: 'hunter2', nested: { token: 'hunter2' } }],
  ])('redacts secrets in the logged arguments of %s', async (_name, channel, args) => {
    const { registry, logs } = makeRegistry();
    handleLogin(registry, async () => 'welcome');
    await registry.invoke(channel, args, ctx);

    expect(logs.text()).not.toContain('hunter2');
    expect(logs.lines()[0]?.args).toMatchObject({ password: '[redacted]' });
  });

  it('cuts long arguments short in the log', async () => {
    const { registry, logs } = makeRegistry();
    handleLogin(registry, async () => 'welcome');
    await registry.invoke('test:login', { user: 'a'.repeat(5000), password: 'pw' }, ctx);

    expect(logs.lines()[0]?.args).toMatchObject({ user: `${'a'.repeat(200)}…(5000 chars)` });
  });

  it('logs INTERNAL failures at error level with the message', async () => {
    const { registry, logs } = makeRegistry();
    registry.handle('cluster:start', noArgs, async () => {
      throw new Error('disk on fire');
    });
    await registry.invoke('cluster:start', undefined, ctx);

    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: pino.levels.values.error,
        msg: 'ui call failed',
        code: 'INTERNAL',
        error: 'disk on fire',
      }),
    ]);
  });

  it('logs expected failures at debug, not error', async () => {
    const { registry, logs } = makeRegistry();
    registry.handle('cluster:stop', noArgs, async () => {
      throw new BackendError('CONFLICT', 'already stopped');
    });
    await registry.invoke('cluster:stop', undefined, ctx);

    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: pino.levels.values.debug, msg: 'ui call', code: 'CONFLICT' }),
    ]);
  });
});

describe('HandlerRegistry events', () => {
  const event = { type: 'status', status } as const;

  it('delivers an event to every listener', () => {
    const { registry } = makeRegistry();
    const first = vi.fn();
    const second = vi.fn();
    registry.onEvent(first);
    registry.onEvent(second);

    registry.emit('cluster:events', event);

    expect(first).toHaveBeenCalledWith('cluster:events', event);
    expect(second).toHaveBeenCalledWith('cluster:events', event);
  });

  it('stops delivering after unsubscribe', () => {
    const { registry } = makeRegistry();
    const listener = vi.fn();
    const unsubscribe = registry.onEvent(listener);
    registry.emit('cluster:events', event);
    unsubscribe();
    registry.emit('cluster:events', event);

    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps delivering to the others when a listener throws, and logs a warning', () => {
    const { registry, logs } = makeRegistry();
    const after = vi.fn();
    registry.onEvent(() => {
      throw new Error('listener broke');
    });
    registry.onEvent(after);

    expect(() => registry.emit('cluster:events', event)).not.toThrow();
    expect(after).toHaveBeenCalledWith('cluster:events', event);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: pino.levels.values.warn,
        msg: 'event listener threw',
        channel: 'cluster:events',
      }),
    ]);
  });
});

function errorOf(envelope: Envelope<unknown>) {
  if (envelope.ok) throw new Error(`expected a failure, got ${JSON.stringify(envelope)}`);
  return envelope.error;
}
