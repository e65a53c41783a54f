/**
 * One handler registry behind both transports (Electron IPC in the desktop app, WebSocket in
 * headless mode). It validates arguments, wraps results and failures in the contract's envelope,
 * logs each call with its arguments redacted, and fans events out to whoever listens.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { ArgsOf, Envelope, EventChannel, Events, RequestChannel, ResultOf } from '../contract';
import type { Logger } from '../engine/log';
import { BackendError } from './errors';
import { redact } from './redact';

export interface CallContext {
  transport: 'ipc' | 'ws';
  /** Which window or WebSocket client made the call, for the log. */
  client: string;
}

type Handler<C extends RequestChannel> = (args: ArgsOf<C>, ctx: CallContext) => Promise<ResultOf<C>>;
type EventListener = <E extends EventChannel>(channel: E, payload: Events[E]) => void;

interface Entry {
  schema: z.ZodType;
  handler: (args: unknown, ctx: CallContext) => Promise<unknown>;
}

/** Schema for channels that take no arguments: transports deliver undefined or null. */
export const noArgs = z
  .union([z.undefined(), z.null()])
  .transform(() => undefined) as unknown as z.ZodType<undefined>;

export class HandlerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly log: Logger) {}

  handle<C extends RequestChannel>(channel: C, schema: z.ZodType<ArgsOf<C>>, handler: Handler<C>) {
    if (this.entries.has(channel)) throw new Error(`handler for ${channel} registered twice`);
    this.entries.set(channel, {
      schema,
      handler: (args, ctx) => handler(args as ArgsOf<C>, ctx),
    });
  }

  channels(): string[] {
    return [...this.entries.keys()];
  }

  /** Run a request from a transport. Never throws: every outcome is an envelope. */
  async invoke(channel: string, rawArgs: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    const started = performance.now();
    const envelope = await this.run(channel, rawArgs, ctx);
    const fields = {
      channel,
      transport: ctx.transport,
      client: ctx.client,
      args: redact(rawArgs),
      ms: Math.round((performance.now() - started) * 10) / 10,
      ...(envelope.ok ? {} : { code: envelope.error.code, error: envelope.error.message }),
    };
    if (!envelope.ok && envelope.error.code === 'INTERNAL') this.log.error(fields, 'ui call failed');
    else this.log.debug(fields, 'ui call');
    return envelope;
  }

  private async run(channel: string, rawArgs: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    const entry = this.entries.get(channel);
    if (!entry) {
      return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel ${channel}` } };
    }
    const parsed = entry.schema.safeParse(rawArgs);
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'INVALID_ARGUMENT',
          message: `invalid arguments for ${channel}: ${z.prettifyError(parsed.error)}`,
        },
      };
    }
    try {
      return { ok: true, result: await entry.handler(parsed.data, ctx) };
    } catch (err) {
      if (err instanceof BackendError) {
        return { ok: false, error: { code: err.code, message: err.message } };
      }
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: { code: 'INTERNAL', message } };
    }
  }

  emit<E extends EventChannel>(channel: E, payload: Events[E]): void {
    for (const listener of this.listeners) {
      try {
        listener(channel, payload);
      } catch (err) {
        this.log.warn({ err, channel }, 'event listener threw');
      }
    }
  }

  /** Listen to every event (a transport forwards them to its clients). */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
