/**
 * Free TCP ports on 127.0.0.1 for test processes (real etcd members, gRPC servers).
 *
 * Known limitation: a port is free when we look, not necessarily when the process binds it (another
 * process may take it in between). Callers that start servers retry with fresh ports when the
 * bind fails (see etcd-cluster.ts).
 */
import { createServer, type Server } from 'node:net';

function listenEphemeral(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** `count` distinct free loopback ports (all held open together, so they are distinct). */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenEphemeral());
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('no TCP address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
