/** Parsers for command-line values: each throws InvalidArgumentError with a one-line reason. */
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../engine/log';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`expected a port number 0-65535 (0 picks a free port), got '${value}'`);
  }
  return n;
}

export function parseIp(value: string): string {
  if (isIP(value) === 0) throw new InvalidArgumentError(`expected an IP address, got '${value}'`);
  return value;
}

export function parseLoopback(value: string): string {
  const ip = parseIp(value);
  if (!(ip === '::1' || ip.startsWith('127.'))) {
    throw new InvalidArgumentError(
      `the UI has no TLS and must stay on a loopback address (127.0.0.1 or ::1), got '${value}'`,
    );
  }
  return ip;
}

export function parseCidr(value: string): string {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(value);
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || isIP(m[1] ?? '') !== 4 || prefix < 8 || prefix > 28) {
    throw new InvalidArgumentError(
      `expected an IPv4 CIDR between /8 and /28 such as 10.42.0.0/16, got '${value}'`,
    );
  }
  return value;
}

export function parseLogLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
  }
  return value as LogLevel;
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A whole number of seconds, 0 or more. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a whole number of seconds (0 or more), got '${value}'`);
  }
  return n;
}

/** A comma-separated list of http(s) URLs, as kube-apiserver's --etcd-servers. */
export function parseUrlList(value: string): string[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) throw new InvalidArgumentError(`expected one or more URLs, got '${value}'`);
  for (const u of urls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new InvalidArgumentError(`expected URLs such as https://10.0.0.5:2379, got '${u}'`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new InvalidArgumentError(`expected an http:// or https:// URL, got '${u}'`);
    }
  }
  return urls;
}

/** One of `choices` (for enum-like flags). */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'`);
    }
    return value as T;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in Go's notation as Kubernetes flags take it ("40s", "1m30s", "500ms"), or a plain
 * number of seconds; returns milliseconds.
 */
export function parseDuration(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw new InvalidArgumentError(`expected a duration such as 40s, 5m or 500ms, got '${value}'`);
  }
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * (DURATION_UNITS[p[2] ?? 's'] ?? 1000), 0));
}

/** A number ≥ 0 (rates such as --node-eviction-rate). */
export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number 0 or more, got '${value}'`);
  }
  return n;
}

/** A whole number ≥ 0. */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a whole number (0 or more), got '${value}'`);
  }
  return n;
}
