/**
 * Runs a set of controllers on one shared InformerFactory: builds each (they register their
 * informers), starts the informers, waits for them to sync, then starts the controllers.
 * Leader election is the caller's business (control-plane.ts runs a manager only while it
 * leads), so tests can run controllers directly.
 */
import { createEventRecorder, type EventRecorder } from '../../kube/events';
import { InformerFactory } from '../../kube/informer';
import type { Logger } from '../../kube/log';
import type { KubeClient } from '../../kube/types';
import {
  type Controller,
  type ControllerFactory,
  type ControllerOptions,
  DEFAULT_CONTROLLER_OPTIONS,
} from './types';

export interface ControllerManagerOptions {
  client: KubeClient;
  log: Logger;
  controllers: ControllerFactory[];
  options?: Partial<ControllerOptions>;
  /** An informer factory to share (e.g. with the scheduler); by default the manager makes its own. */
  informers?: InformerFactory;
  now?: () => Date;
  /** source.host of the events. */
  host?: string;
}

export interface ControllerManager {
  readonly controllers: readonly Controller[];
  readonly informers: InformerFactory;
  /** Resolves once the informers synced and every controller started. */
  start(): Promise<void>;
  /** Stops the controllers, flushes their events, and stops informers the manager made. */
  stop(): Promise<void>;
}

export function createControllerManager(opts: ControllerManagerOptions): ControllerManager {
  const ownInformers = !opts.informers;
  const informers = opts.informers ?? new InformerFactory(opts.client, opts.log);
  const recorders: EventRecorder[] = [];
  const options = { ...DEFAULT_CONTROLLER_OPTIONS, ...opts.options };
  const controllers = opts.controllers.map((factory) =>
    factory({
      client: opts.client,
      informers,
      log: opts.log,
      options,
      now: opts.now ?? (() => new Date()),
      recorder(component) {
        const r = createEventRecorder(opts.client, opts.log, { component, host: opts.host });
        recorders.push(r);
        return r;
      },
    }),
  );
  let started = false;
  return {
    controllers,
    informers,
    async start() {
      informers.start();
      await informers.waitForSync();
      for (const c of controllers) c.start();
      started = true;
      opts.log.info({ controllers: controllers.map((c) => c.name) }, 'controllers started');
    },
    async stop() {
      if (started) await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(recorders.map((r) => r.flush()));
      if (ownInformers) await informers.stop();
    },
  };
}
