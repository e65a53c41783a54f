/**
 * Login for the headless UI. A random token is printed at start; presenting it (in the printed
 * URL or on the login page) opens a session held in an HttpOnly, SameSite=Strict cookie. The
 * server also refuses requests whose Host or Origin is not this loopback listener, so other web
 * pages cannot reach it through DNS rebinding or cross-site WebSocket hijacking.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';

export const SESSION_COOKIE = 'pilothouse_session';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export class UiAuth {
  readonly token: string;
  private readonly sessions = new Map<string, number>();
  private allowedHosts: Set<string> = new Set();

  constructor(token?: string) {
    this.token = token ?? randomBytes(32).toString('base64url');
  }

  /** The listener's host:port values this server answers to (set once it is bound). */
  setListenPort(port: number): void {
    this.allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  }

  hostAllowed(req: IncomingMessage): boolean {
    return this.allowedHosts.has((req.headers.host ?? '').toLowerCase());
  }

  /** Same-origin check for state-changing requests and WebSocket upgrades. */
  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return req.method === 'GET' && !req.headers.upgrade;
    try {
      const url = new URL(origin);
      return url.protocol === 'http:' && this.allowedHosts.has(url.host);
    } catch {
      return false;
    }
  }

  tokenMatches(candidate: unknown): boolean {
    if (typeof candidate !== 'string') return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Open a session; returns the Set-Cookie header value. */
  openSession(): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, Date.now() + SESSION_TTL_MS);
    return serializeCookie(SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      maxAge: SESSION_TTL_MS / 1000,
    });
  }

  closeSession(req: IncomingMessage): string {
    const id = this.sessionId(req);
    if (id) this.sessions.delete(id);
    return serializeCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0 });
  }

  authenticated(req: IncomingMessage): boolean {
    const id = this.sessionId(req);
    if (!id) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires < Date.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  private sessionId(req: IncomingMessage): string | undefined {
    return parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
  }
}
