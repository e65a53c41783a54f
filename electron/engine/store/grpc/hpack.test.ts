import { describe, expect, it } from 'vitest';
import { huffmanDecode, rewriteAuthority } from './hpack';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const upper = (v: string) => v.toUpperCase();

describe('HPACK Huffman decoding', () => {
  // RFC 7541 Appendix C.4 and C.6.
  it.each([
    ['f1e3 c2e5 f23a 6ba0 ab90 f4ff', 'www.example.com'],
    ['a8eb 1064 9cbf', 'no-cache'],
    ['25a8 49e9 5ba9 7d7f', 'custom-key'],
    ['25a8 49e9 5bb8 e8b4 bf', 'custom-value'],
    ['6402', '302'],
    ['aec3 771a 4b', 'private'],
    ['d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff', 'Mon, 21 Oct 2013 20:13:21 GMT'],
  ])('%s → %j', (code, text) => {
    expect(huffmanDecode(hex(code)).toString('latin1')).toBe(text);
  });

  it.each([
    ['padding that is not a prefix of EOS', 'f1e3 c2e5 f23a 6ba0 ab90 f4fe'],
    ['more than 7 bits of padding', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff ff'],
  ])('refuses %s', (_what, code) => {
    expect(() => huffmanDecode(hex(code))).toThrow();
  });
});

describe('rewriteAuthority', () => {
  // RFC 7541 C.4.1: :method GET, :scheme http, :path /, :authority www.example.com (Huffman,
  // literal with incremental indexing of static name 1).
  const requestC41 = hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff');

  it('finds a Huffman-coded authority and leaves the block alone when fix declines', () => {
    const r = rewriteAuthority(requestC41, () => null);
    expect(r).toEqual({ block: requestC41, authorities: ['www.example.com'], changed: false });
  });

  it('re-emits a fixed authority raw, same kind of literal, everything else byte for byte', () => {
    const r = rewriteAuthority(requestC41, upper);
    expect(r.changed).toBe(true);
    const raw = Buffer.from('WWW.EXAMPLE.COM', 'latin1');
    expect(r.block).toEqual(Buffer.concat([hex('8286 84 41'), Buffer.from([raw.length]), raw]));
  });

  it('handles literals without indexing, new names and table size updates', () => {
    const block = Buffer.concat([
      hex('3fe1 1f'), // dynamic table size update to 4096
      hex('01 0a'), // :authority (static 1), literal without indexing, raw value of 10 bytes
      Buffer.from('http://x:1'),
      hex('40 0a'), // literal with incremental indexing, new name
      Buffer.from(':authority'),
      hex('03'),
      Buffer.from('a/b'),
      hex('be'), // indexed field 62
    ]);
    const r = rewriteAuthority(block, (v) => v.replace(/\//g, '_'));
    expect(r.authorities).toEqual(['http://x:1', 'a/b']);
    expect(r.block).toEqual(
      Buffer.concat([
        hex('3fe1 1f 01 0a'),
        Buffer.from('http:__x:1'),
        hex('40 0a'),
        Buffer.from(':authority'),
        hex('03'),
        Buffer.from('a_b'),
        hex('be'),
      ]),
    );
  });

  it('refuses a fix that changes the length (it would desynchronise the dynamic tables)', () => {
    expect(() => rewriteAuthority(requestC41, (v) => `${v}!`)).toThrow(/keep the length/);
  });

  it('throws on a truncated block', () => {
    expect(() => rewriteAuthority(requestC41.subarray(0, 8), () => null)).toThrow(/truncated/);
  });
});
