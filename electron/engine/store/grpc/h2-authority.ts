/**
 * A repair for etcdctl 3.4 on a Node HTTP/2 server. etcd 3.4's client dials the per-endpoint
 * connections it uses for `endpoint status`, `defrag`, `snapshot` and `hashkv` with the raw
 * endpoint as gRPC target, so its requests carry `:authority: https://127.0.0.1:2379`. grpc-go
 * (real etcd) accepts that; nghttp2, under Node's http2, refuses any authority containing "/"
 * and resets the stream with PROTOCOL_ERROR before grpc-js sees it.
 *
 * So the client→server bytes of every connection pass through `AuthorityFixer` until its first
 * `:authority` has been seen. A valid one (every other client) switches the connection to plain
 * pass-through; an invalid one has its offending characters replaced ("/" → "_", same length,
 * see hpack.ts) in this and every later header block of that connection. Only HTTP/2 framing
 * is parsed (RFC 9113 §4.1, HEADERS + CONTINUATION); everything else is forwarded unchanged.
 */
import { Duplex } from 'node:stream';
import { rewriteAuthority } from './hpack';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_BYTES = 9;
const TYPE_HEADERS = 0x1;
const TYPE_CONTINUATION = 0x9;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** The initial SETTINGS_MAX_FRAME_SIZE; rewritten blocks are split at it. */
const MAX_FRAME_BYTES = 16_384;
/** A header block this large is not an etcdctl request; give up inspecting it. */
const MAX_BLOCK_BYTES = 1024 * 1024;

/** Characters nghttp2 accepts in :authority (RFC 3986 authority: unreserved, sub-delims, …). */
const VALID_AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:%@[\]]*$/;

/** The same-length repair of an authority nghttp2 would refuse, or null when it is fine. */
export function repairAuthority(value: string): string | null {
  if (VALID_AUTHORITY.test(value)) return null;
  return value.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:%@[\]]/g, '_');
}

interface PendingBlock {
  frames: Buffer[];
  fragments: Buffer[];
  firstFlags: number;
  streamId: number;
  priority: Buffer | null;
  bytes: number;
}

export class AuthorityFixer {
  private buffered: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  /** inspect: until the first authority; rewrite: it was invalid; pass: nothing to do. */
  private mode: 'inspect' | 'rewrite' | 'pass' = 'inspect';
  private block: PendingBlock | null = null;
  /** Header blocks repaired so far (for logs and tests). */
  repaired = 0;

  get passing(): boolean {
    return this.mode === 'pass';
  }

  /** Client bytes in, bytes for the HTTP/2 server out (in order). */
  transform(chunk: Buffer): Buffer[] {
    if (this.mode === 'pass') return [chunk];
    let buf = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
    const out: Buffer[] = [];
    if (!this.prefaceSeen) {
      if (buf.length < PREFACE.length) {
        this.buffered = buf;
        return out;
      }
      this.prefaceSeen = true;
      if (!buf.subarray(0, PREFACE.length).equals(PREFACE)) return this.giveUp(out, buf);
      out.push(buf.subarray(0, PREFACE.length));
      buf = buf.subarray(PREFACE.length);
    }
    let pos = 0;
    while (buf.length - pos >= FRAME_HEADER_BYTES) {
      const length = buf.readUIntBE(pos, 3);
      const end = pos + FRAME_HEADER_BYTES + length;
      if (buf.length < end) break;
      const frame = buf.subarray(pos, end);
      pos = end;
      this.onFrame(frame, out);
      if (this.passing) return this.giveUp(out, buf.subarray(pos));
    }
    buf = buf.subarray(pos);
    this.buffered = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
    return out;
  }

  private giveUp(out: Buffer[], rest: Buffer): Buffer[] {
    this.mode = 'pass';
    if (this.block) out.push(...this.block.frames);
    this.block = null;
    if (rest.length > 0) out.push(rest);
    this.buffered = Buffer.alloc(0);
    return out;
  }

  private onFrame(frame: Buffer, out: Buffer[]): void {
    const type = frame[3] as number;
    const flags = frame[4] as number;
    const streamId = frame.readUInt32BE(5) & 0x7fffffff;
    const payload = frame.subarray(FRAME_HEADER_BYTES);
    if (type === TYPE_HEADERS) {
      let start = 0;
      let padding = 0;
      if (flags & FLAG_PADDED) {
        padding = payload[0] ?? 0;
        start = 1;
      }
      const priority = flags & FLAG_PRIORITY ? payload.subarray(start, start + 5) : null;
      if (priority) start += 5;
      if (start + padding > payload.length) return void this.giveUp(out, frame);
      const fragment = payload.subarray(start, payload.length - padding);
      this.block = {
        frames: [frame],
        fragments: [fragment],
        firstFlags: flags,
        streamId,
        priority,
        bytes: 0,
      };
    } else if (type === TYPE_CONTINUATION && this.block) {
      this.block.frames.push(frame);
      this.block.fragments.push(payload);
    } else {
      out.push(frame);
      return;
    }
    this.block.bytes += payload.length;
    if (this.block.bytes > MAX_BLOCK_BYTES) return void this.giveUp(out, Buffer.alloc(0));
    if (flags & FLAG_END_HEADERS) out.push(...this.finishBlock(this.block));
  }

  private finishBlock(block: PendingBlock): Buffer[] {
    this.block = null;
    let result;
    try {
      result = rewriteAuthority(Buffer.concat(block.fragments), repairAuthority);
    } catch {
      // Malformed HPACK: forward as is; the HTTP/2 server answers it.
      this.mode = 'pass';
      return block.frames;
    }
    if (result.changed) {
      this.mode = 'rewrite';
      this.repaired++;
      return encodeHeaderBlock(block, result.block);
    }
    if (result.authorities.length > 0 && this.mode === 'inspect') this.mode = 'pass';
    return block.frames;
  }
}

/** A HEADERS frame (+ CONTINUATIONs) carrying `headerBlock`, without padding. */
function encodeHeaderBlock(block: PendingBlock, headerBlock: Buffer): Buffer[] {
  const firstPayload = block.priority ? Buffer.concat([block.priority, headerBlock]) : headerBlock;
  const frames: Buffer[] = [];
  let offset = 0;
  let first = true;
  while (first || offset < firstPayload.length) {
    const piece = firstPayload.subarray(offset, offset + MAX_FRAME_BYTES);
    offset += piece.length;
    const last = offset >= firstPayload.length;
    let flags = last ? FLAG_END_HEADERS : 0;
    if (first) flags |= block.firstFlags & ~(FLAG_PADDED | FLAG_END_HEADERS);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUIntBE(piece.length, 0, 3);
    header[3] = first ? TYPE_HEADERS : TYPE_CONTINUATION;
    header[4] = flags;
    header.writeUInt32BE(block.streamId, 5);
    frames.push(header, piece);
    first = false;
  }
  return frames;
}

/**
 * The connection as the HTTP/2 server should see it: reads pass through an AuthorityFixer,
 * writes go straight to the socket. Ends and errors propagate both ways.
 */
export class AuthorityFixingStream extends Duplex {
  /**
   * `fixer` and `alreadyOut` continue a connection whose first bytes were inspected already
   * (see `inspectConnection`): what the fixer produced so far goes out first.
   */
  constructor(
    private readonly socket: Duplex,
    readonly fixer = new AuthorityFixer(),
    alreadyOut: Buffer[] = [],
  ) {
    super();
    for (const piece of alreadyOut) this.push(piece);
    socket.on('data', (chunk: Buffer) => {
      for (const piece of this.fixer.transform(chunk)) {
        if (!this.push(piece)) socket.pause();
      }
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  /** nghttp2 hands over several buffers at once; one socket write keeps them in one TLS record. */
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.socket.write(
      chunks.length === 1
        ? (chunks[0] as { chunk: Buffer }).chunk
        : Buffer.concat(chunks.map((c) => c.chunk)),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    callback(err);
  }
}

/** How long a new connection may stay silent before it is handed over uninspected. */
const INSPECT_WAIT_MS = 200;

/**
 * Inspect a connection's first bytes without staying in its data path. Nearly every client
 * sends a valid :authority: its bytes are put back (`unshift`) and the socket itself goes to
 * HTTP/2, so nghttp2 reads it natively — a JS stream in between costs a millisecond per request.
 * A connection whose authority needs the repair keeps an AuthorityFixingStream. A client that
 * sends no request for INSPECT_WAIT_MS (an idle pre-connect) is handed over uninspected: the
 * etcdctl calls needing the repair send their request at once.
 */
export function inspectConnection(
  socket: Duplex & { unshift(chunk: Buffer): void },
  hand: (s: Duplex) => void,
): void {
  const fixer = new AuthorityFixer();
  const raw: Buffer[] = [];
  const out: Buffer[] = [];
  let done = false;
  const finish = (repair: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    if (repair) {
      hand(new AuthorityFixingStream(socket, fixer, out));
      socket.resume();
    } else {
      if (raw.length > 0) socket.unshift(Buffer.concat(raw));
      hand(socket);
    }
  };
  const onData = (chunk: Buffer) => {
    raw.push(chunk);
    out.push(...fixer.transform(chunk));
    if (fixer.repaired > 0) finish(true);
    else if (fixer.passing) finish(false);
  };
  const onClose = () => {
    done = true;
    clearTimeout(timer);
  };
  const timer = setTimeout(() => finish(false), INSPECT_WAIT_MS);
  socket.on('data', onData);
  socket.once('close', onClose);
}
