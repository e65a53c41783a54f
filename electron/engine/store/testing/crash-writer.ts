/**
 * Child process for the kill -9 test: opens the embedded store in argv[2] and writes
 * `count` puts with `concurrency` in flight, printing "ack <key> <revision>" for each
 * acknowledged write. The test kills it mid-way and checks every printed ack survived.
 * Run with: node --import tsx crash-writer.ts DIR COUNT CONCURRENCY
 */
import pino from 'pino';
import { openEmbeddedStore } from '../embedded';

const [dir = '', countArg = '1000', concurrencyArg = '64'] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const store = await openEmbeddedStore({ dir, retentionSeconds: 0, log: pino({ level: 'silent' }) });
process.stdout.write('ready\n');
let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const key = `crash/${String(i % 250).padStart(4, '0')}`;
    const res = await store.put({ key: Buffer.from(key), value: Buffer.from(`value-${i}`) });
    process.stdout.write(`ack ${key} ${res.header.revision} value-${i}\n`);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
process.stdout.write('done\n');
await store.close();
