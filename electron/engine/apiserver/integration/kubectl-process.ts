/**
 * Long-running kubectl processes for the integration tests (`get -w`): the harness's
 * `kubectl()` waits for exit, a watch never exits on its own. The process gets the same
 * environment as the harness gives kubectl (the cluster's kubeconfig, a private HOME so no
 * user cache or config leaks in).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { TestCluster } from '../testing/cluster';

export interface KubectlProcess {
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then resolve once the process has exited (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export function spawnKubectl(cluster: TestCluster, binary: string, args: string[]): KubectlProcess {
  const child: ChildProcess = spawn(binary, args, {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    notify();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      notify();
      resolve();
    });
    child.on('error', (e) => {
      err += String(e);
      exited = true;
      notify();
      resolve();
    });
  });

  return {
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) {
            done();
            resolve(out);
          } else if (exited) {
            done();
            reject(
              new Error(
                `kubectl ${args.join(' ')} exited before printing ${String(pattern)}\nstdout:\n${out}\nstderr:\n${err}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `kubectl ${args.join(' ')}: no ${String(pattern)} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(killer);
    },
  };
}
