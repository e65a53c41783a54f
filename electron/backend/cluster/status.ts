/**
 * Tracks the control plane this UI is attached to: the engine's lifecycle (from its state
 * events) and the API server's health (a TLS-verified /readyz probe when the engine comes up,
 * then every `probeIntervalMs` as a watchdog for a hung server). Emits a status event on every
 * change, never on an unchanged probe.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import type { ClusterStatus } from '../../contract';
import type { EngineHandle } from '../../engine/client';
import type { Logger } from '../../engine/log';
import { probeApiServer } from './probe';

export interface ClusterStatusEvents {
  status: [status: ClusterStatus];
}

export class ClusterStatusService {
  readonly events = new EventEmitter<ClusterStatusEvents>();
  private current: ClusterStatus;
  private startedAt: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;
  private closed = false;
  private readonly onEngineState = () => this.engineChanged();

  constructor(
    private readonly engine: EngineHandle,
    private readonly dataDir: string,
    private readonly log: Logger,
    private readonly probeIntervalMs = 10_000,
  ) {
    this.current = this.compose(null);
    engine.events.on('state', this.onEngineState);
    if (engine.state === 'running') this.engineChanged();
  }

  get status(): ClusterStatus {
    return this.current;
  }

  /** Probe now (also used after start so the answer already says whether the API is ready). */
  async refresh(): Promise<ClusterStatus> {
    if (!this.probing) {
      this.probing = this.probe().finally(() => {
        this.probing = null;
      });
    }
    await this.probing;
    return this.current;
  }

  close(): void {
    this.closed = true;
    this.engine.events.off('state', this.onEngineState);
    this.stopTimer();
  }

  private engineChanged() {
    if (this.engine.state === 'running') {
      this.startedAt ??= new Date().toISOString();
      this.publish(this.compose(this.current.apiServer));
      void this.refresh();
      this.startTimer();
    } else {
      this.startedAt = null;
      this.stopTimer();
      this.publish(this.compose(null));
    }
  }

  private async probe() {
    const info = this.engine.info;
    if (this.engine.state !== 'running' || !info) return;
    const ca = await fs.readFile(info.caCertPath, 'utf8').catch(() => null);
    const result = ca
      ? await probeApiServer(info.apiUrl, ca)
      : { ready: false, gitVersion: null, error: `cannot read ${info.caCertPath}` };
    if (this.closed || this.engine.state !== 'running') return;
    if (result.error) this.log.warn({ error: result.error }, 'API server probe failed');
    this.publish(
      this.compose({
        url: info.apiUrl,
        ready: result.ready,
        gitVersion: result.gitVersion,
        error: result.error,
        checkedAt: new Date().toISOString(),
      }),
    );
  }

  private compose(apiServer: ClusterStatus['apiServer']): ClusterStatus {
    const info = this.engine.info;
    const err = this.engine.error;
    return {
      engine: this.engine.state,
      engineError: err ? { code: err.code, message: err.message } : null,
      startedAt: this.engine.state === 'running' ? this.startedAt : null,
      dataDir: info?.dataDir ?? this.dataDir,
      kubeconfigPath: info?.kubeconfigPath ?? null,
      apiServer:
        apiServer ??
        (info
          ? {
              url: info.apiUrl,
              ready: false,
              gitVersion: null,
              error: null,
              checkedAt: new Date().toISOString(),
            }
          : null),
    };
  }

  private publish(next: ClusterStatus) {
    const changed = JSON.stringify(withoutTime(next)) !== JSON.stringify(withoutTime(this.current));
    this.current = next;
    if (changed) this.events.emit('status', next);
  }

  private startTimer() {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.probeIntervalMs);
    this.timer.unref();
  }

  private stopTimer() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function withoutTime(s: ClusterStatus) {
  return { ...s, apiServer: s.apiServer ? { ...s.apiServer, checkedAt: '' } : null };
}
