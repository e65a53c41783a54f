import { describe, expect, it } from 'vitest';
import { redact } from './redact';

describe('redact', () => {
  it.each([
    ['password', { password: 'hunter2' }],
    ['passphrase', { passphrase: 'open sesame' }],
    ['token', { token: 'abc' }],
    ['a key containing token', { bootstrapToken: 'abc' }],
    ['privateKey', { privateKey: '-----BEGIN PRIVATE KEY-----' }],
    ['private_key', { private_key: '-----BEGIN PRIVATE KEY-----' }],
    ['keyPem', { keyPem: '-----BEGIN PRIVATE KEY-----' }],
    ['authorization', { Authorization: 'Bearer abc' }],
    ['cookie', { cookie: 'session=abc' }],
    ['secret', { clientSecret: 'abc' }],
  ])('replaces the value under %s', (_name, input) => {
    const [key] = Object.keys(input);
    expect(redact(input)).toEqual({ [key as string]: '[redacted]' });
  });

  it('redacts whatever type the secret value has, not only strings', () => {
    expect(redact({ token: { nested: 'abc' }, password: 42 })).toEqual({
      token: '[redacted]',
      password: '[redacted]',
    });
  });

  it('redacts secrets nested in objects and arrays, keeping other fields', () => {
    const input = {
      host: '10.0.0.5',
      ssh: { user: 'root', auth: { passphrase: 'p', keyPem: 'k' } },
      nodes: [{ name: 'n1', token: 't' }],
    };
    expect(redact(input)).toEqual({
      host: '10.0.0.5',
      ssh: { user: 'root', auth: { passphrase: '[redacted]', keyPem: '[redacted]' } },
      nodes: [{ name: 'n1', token: '[redacted]' }],
    });
  });

  it('never lets a secret value appear in the output', () => {
    const input = { a: { b: { c: { password: 'hunter2' } } }, list: [[{ cookie: 'hunter2' }]] };
    expect(JSON.stringify(redact(input))).not.toContain('hunter2');
  });

  it('cuts long strings and says how long they were', () => {
    const long = 'x'.repeat(250);
    expect(redact(long)).toBe(`${'x'.repeat(200)}…(250 chars)`);
    expect(redact({ note: long })).toEqual({ note: `${'x'.repeat(200)}…(250 chars)` });
  });

  it('keeps a string of exactly the limit whole', () => {
    const atLimit = 'y'.repeat(200);
    expect(redact(atLimit)).toBe(atLimit);
  });

  it('keeps the first 20 items of a long array and counts the rest', () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    expect(redact(items)).toEqual([...items.slice(0, 20), '…(5 more)']);
  });

  it('keeps an array of exactly 20 items whole', () => {
    const items = Array.from({ length: 20 }, (_, i) => `n${i}`);
    expect(redact(items)).toEqual(items);
  });

  it('summarises objects and arrays below the depth limit', () => {
    const input = { l1: { l2: { l3: { l4: { l5: 'deep' }, list: [1, 2, 3] } } } };
    expect(redact(input)).toEqual({ l1: { l2: { l3: { l4: '[object]', list: '[array(3)]' } } } });
  });

  it('terminates on a circular structure thanks to the depth limit', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    expect(redact(loop)).toEqual({
      name: 'loop',
      self: { name: 'loop', self: { name: 'loop', self: { name: 'loop', self: '[object]' } } },
    });
  });

  it('summarises binary data by its size', () => {
    expect(redact(new Uint8Array(1024))).toBe('[1024 bytes]');
    expect(redact({ chunk: Buffer.from('hello') })).toEqual({ chunk: '[5 bytes]' });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a boolean', true],
    ['a bigint', 10n],
    ['a short string', 'hello'],
  ])('passes %s through unchanged', (_name, value) => {
    expect(redact(value)).toBe(value);
  });

  it('does not mutate its input', () => {
    const input = {
      password: 'hunter2',
      list: Array.from({ length: 30 }, (_, i) => i),
      nested: { token: 't' },
    };
    const before = structuredClone(input);
    redact(input);
    expect(input).toEqual(before);
  });
});
