/**
 * Just enough HPACK (RFC 7541) to find and replace the `:authority` value in a header block
 * without disturbing the connection's compression state — see h2-authority.ts for why.
 *
 * `rewriteAuthority` walks every representation of a block (indexed, literal with or without
 * indexing, table size updates). A literal whose name is the static-table `:authority` (index 1)
 * and whose value `fix()` wants changed is re-emitted with the same representation kind and the
 * new value as a raw (non-Huffman) string. `fix` must keep the decoded length: both peers then
 * account the same size for the entry in their dynamic tables, so every later index still means
 * the same entry on both sides. All other bytes are copied unchanged.
 */

/** Code lengths of the HPACK Huffman code (RFC 7541 Appendix B), symbols 0–255 then EOS. */
// prettier-ignore
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

/** The code is canonical: codes follow from the lengths (shorter first, then by symbol). */
function canonicalDecoder(): Map<number, number>[] {
  const byLength: Map<number, number>[] = Array.from({ length: 31 }, () => new Map());
  const symbols = CODE_LENGTHS.map((len, sym) => ({ len, sym })).sort(
    (a, b) => a.len - b.len || a.sym - b.sym,
  );
  let code = 0;
  let prevLen = symbols[0]?.len ?? 0;
  for (const { len, sym } of symbols) {
    code <<= len - prevLen;
    prevLen = len;
    byLength[len]?.set(code, sym);
    code++;
  }
  return byLength;
}

let decoder: Map<number, number>[] | null = null;
const EOS = 256;

/** Decodes a Huffman-coded string; throws on an invalid code or padding. */
export function huffmanDecode(bytes: Uint8Array): Buffer {
  decoder ??= canonicalDecoder();
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const sym = decoder[len]?.get(code);
      if (sym === undefined) {
        if (len >= 30) throw new Error('invalid Huffman code');
        continue;
      }
      if (sym === EOS) throw new Error('EOS in Huffman string');
      out.push(sym);
      code = 0;
      len = 0;
    }
  }
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (len > 7 || code !== (1 << len) - 1) throw new Error('invalid Huffman padding');
  return Buffer.from(out);
}

/** An HPACK integer with an N-bit prefix at `pos`; returns the value and the next position. */
function readInt(block: Uint8Array, pos: number, prefixBits: number): [number, number] {
  const max = (1 << prefixBits) - 1;
  let value = (block[pos] ?? 0) & max;
  pos++;
  if (value < max) return [value, pos];
  let shift = 0;
  for (;;) {
    if (pos >= block.length || shift > 28) throw new Error('truncated HPACK integer');
    const b = block[pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, pos];
  }
}

function writeInt(value: number, prefixBits: number, firstByteFlags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByteFlags | value];
  const out = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

/** A string literal at `pos`: [decoded value, next position]. */
function readString(block: Uint8Array, pos: number): [Buffer, number] {
  const huffman = ((block[pos] ?? 0) & 0x80) !== 0;
  const [length, start] = readInt(block, pos, 7);
  const end = start + length;
  if (end > block.length) throw new Error('truncated HPACK string');
  const raw = block.subarray(start, end);
  return [huffman ? huffmanDecode(raw) : Buffer.from(raw), end];
}

/** Static table index of `:authority`. */
const AUTHORITY_INDEX = 1;

export interface AuthorityRewrite {
  /** The block to send on (the input itself when nothing changed). */
  block: Buffer;
  /** The `:authority` values found as literals, before fixing. */
  authorities: string[];
  changed: boolean;
}

/**
 * Walks a complete header block; `fix` returns the replacement for an `:authority` literal
 * (same length) or null to keep it. Throws on a malformed block (the caller then passes the
 * bytes on untouched and lets the HTTP/2 server reject them).
 */
export function rewriteAuthority(block: Buffer, fix: (value: string) => string | null): AuthorityRewrite {
  const parts: Buffer[] = [];
  const authorities: string[] = [];
  let copiedUpTo = 0;
  let pos = 0;
  while (pos < block.length) {
    const first = block[pos] as number;
    if (first & 0x80) {
      [, pos] = readInt(block, pos, 7); // indexed field
      continue;
    }
    if ((first & 0xe0) === 0x20) {
      [, pos] = readInt(block, pos, 5); // dynamic table size update
      continue;
    }
    // Literal: 01 = with incremental indexing (6-bit index), 0000/0001 = without/never (4-bit).
    const prefixBits = (first & 0xc0) === 0x40 ? 6 : 4;
    let nameIndex: number;
    [nameIndex, pos] = readInt(block, pos, prefixBits);
    let name: string | null = null;
    if (nameIndex === 0) {
      let nameBytes: Buffer;
      [nameBytes, pos] = readString(block, pos);
      name = nameBytes.toString('latin1');
    }
    const valueStart = pos;
    let value: Buffer;
    [value, pos] = readString(block, pos);
    if (nameIndex !== AUTHORITY_INDEX && name !== ':authority') continue;
    const text = value.toString('latin1');
    authorities.push(text);
    const replacement = fix(text);
    if (replacement === null || replacement === text) continue;
    if (replacement.length !== text.length) throw new Error('an :authority fix must keep the length');
    // Same representation kind and name; the value as a raw string.
    const raw = Buffer.from(replacement, 'latin1');
    parts.push(block.subarray(copiedUpTo, valueStart), Buffer.from(writeInt(raw.length, 7, 0)), raw);
    copiedUpTo = pos;
  }
  if (parts.length === 0) return { block, authorities, changed: false };
  parts.push(block.subarray(copiedUpTo));
  return { block: Buffer.concat(parts), authorities, changed: true };
}
