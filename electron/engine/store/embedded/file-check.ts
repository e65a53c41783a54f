/**
 * Checks an LMDB data file before it is memory-mapped. LMDB trusts its file: a truncated one
 * makes reads of the missing pages fault (SIGBUS) instead of failing, so a file shorter than its
 * newest meta page says must be refused up front, with an error naming it.
 *
 * Reads the two meta pages of the LMDB format lmdb-js ships (format version 2: a 24-byte page
 * header, then magic, version, address, map size, the two database records, last page, txn id).
 * An unknown format is refused too: we only open what we can check.
 */
import fs from 'node:fs';

const MAGIC = 0xbeefc0de;
const HEADER = 24;
const OFF_MAGIC = HEADER;
const OFF_VERSION = HEADER + 4;
/** mm_dbs[FREE_DBI].md_pad holds the page size. */
const OFF_PAGE_SIZE = HEADER + 24;
const OFF_LAST_PAGE = 144;
const OFF_TXNID = 152;

export interface FileProblem {
  file: string;
  problem: string;
}

/** Null when the file is absent (a new database) or looks whole; otherwise what is wrong. */
export function checkLmdbFile(file: string): FileProblem | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { file, problem: `cannot be opened (${(err as NodeJS.ErrnoException).code})` };
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return { file, problem: 'is empty' };
    const first = Buffer.alloc(4096);
    fs.readSync(fd, first, 0, first.length, 0);
    if (first.readUInt32LE(OFF_MAGIC) !== MAGIC) {
      return { file, problem: 'is not a Pilothouse store (no LMDB header)' };
    }
    const version = first.readUInt32LE(OFF_VERSION);
    if (version !== 2)
      return { file, problem: `has LMDB format version ${version}, which this build cannot check` };
    const pageSize = first.readUInt32LE(OFF_PAGE_SIZE);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
      return { file, problem: `has an implausible page size (${pageSize})` };
    }
    if (size < pageSize * 2)
      return { file, problem: `is truncated (${size} bytes, less than its two meta pages)` };
    const metas = [0, pageSize].map((offset) => {
      const page = Buffer.alloc(OFF_TXNID + 8);
      fs.readSync(fd, page, 0, page.length, offset);
      return {
        ok: page.readUInt32LE(OFF_MAGIC) === MAGIC,
        lastPage: Number(page.readBigUInt64LE(OFF_LAST_PAGE)),
        txnid: page.readBigUInt64LE(OFF_TXNID),
      };
    });
    const valid = metas.filter((m) => m.ok);
    if (valid.length === 0) return { file, problem: 'has no valid meta page' };
    const newest = valid.reduce((a, b) => (b.txnid > a.txnid ? b : a));
    const needed = (newest.lastPage + 1) * pageSize;
    if (size < needed) {
      return {
        file,
        problem: `is truncated: ${size} bytes on disk, but its newest transaction needs ${needed}`,
      };
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
