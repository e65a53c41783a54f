/** Small HTTP pieces shared by the test clients (harness, raw requests, the in-process API). */
import type { IncomingMessage } from 'node:http';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience: callers index into arbitrary API objects
}

/** Read a whole response: status, headers, text, and JSON when it parses. */
export function readResponse(res: IncomingMessage): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
    });
  });
}

/** Headers for a request: JSON accepted, and for a body its type and length. */
export function requestHeaders(
  payload: string | Buffer | undefined,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    accept: 'application/json',
    ...(payload !== undefined
      ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
      : {}),
    ...extra,
  };
}
