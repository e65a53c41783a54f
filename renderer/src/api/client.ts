/**
 * The renderer's one way to the backend. It picks the transport once at start — the preload's
 * bridge in the desktop app, the WebSocket in a browser — and is otherwise unaware of it.
 * Failures come back as ApiError with the contract's error code.
 */
import type {
  ArgsOf,
  ErrorCode,
  EventChannel,
  Events,
  RequestChannel,
  ResultOf,
} from '../../../electron/contract';
import { ipcTransport } from './ipc';
import type { Transport } from './transport';
import { wsTransport } from './websocket';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

let transport: Transport | null = null;

export function isDesktop(): boolean {
  return window.pilothouse !== undefined;
}

/** Open the transport (idempotent). In a browser, call after login. */
export function connect(): Transport {
  transport ??= window.pilothouse ? ipcTransport(window.pilothouse) : wsTransport();
  return transport;
}

export async function invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
  const envelope = await connect().invoke(channel, args);
  if (!envelope.ok) throw new ApiError(envelope.error.code, envelope.error.message);
  return envelope.result as ResultOf<C>;
}

export function on<E extends EventChannel>(channel: E, listener: (payload: Events[E]) => void): () => void {
  return connect().on(channel, listener as (p: unknown) => void);
}

export function onConnectionChange(listener: (connected: boolean) => void): () => void {
  return connect().onConnectionChange(listener);
}

export function transportConnected(): boolean {
  return connect().connected;
}

/** Headless login: the session cookie is what the WebSocket upgrade checks. */
export async function hasSession(): Promise<boolean> {
  if (isDesktop()) return true;
  const res = await fetch('/auth/session', { credentials: 'same-origin' });
  return res.ok;
}

export async function login(token: string): Promise<void> {
  const res = await fetch('/auth/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: token.trim() }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new ApiError('UNAUTHENTICATED', body.error ?? `login failed (${res.status})`);
  }
}
