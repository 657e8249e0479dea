/** The hub's controllers, created together over shared informers. */
import type { Controller, ControllerContext } from './context.js';
import { InformerFactory } from './context.js';
import { DaemonSetController } from './daemonset.js';
import { DeploymentController } from './deployment.js';
import { createEvictor } from './eviction.js';
import { GarbageCollector } from './garbage-collector.js';
import { NodeLifecycleController, type NodeLifecycleOptions } from './node-lifecycle.js';
import { SchedulerController } from './scheduler.js';

export interface ControllerOptions {
  /** Node heartbeat timing; see NodeLifecycleController. */
  nodeLifecycle?: Omit<NodeLifecycleOptions, 'lastSeen' | 'onUnreachablePods' | 'onRecovered'>;
  /** When this hub last heard from a node (from the link server). */
  lastSeen?: (node: string) => Date | undefined;
  /** A node marked unreachable is heard from again (the link server re-syncs its status). */
  onRecovered?: (node: string) => void;
}

export interface FleetControllers {
  informers: InformerFactory;
  scheduler: SchedulerController;
  deployment: DeploymentController;
  daemonSet: DaemonSetController;
  garbageCollector: GarbageCollector;
  nodeLifecycle: NodeLifecycleController;
  all: Controller[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createControllers(
  base: Omit<ControllerContext, 'informers'>,
  options: ControllerOptions = {},
): FleetControllers {
  const informers = new InformerFactory(base.store, base.logger);
  const ctx: ControllerContext = { ...base, informers };
  const scheduler = new SchedulerController(ctx);
  const deployment = new DeploymentController(ctx);
  const daemonSet = new DaemonSetController(ctx, scheduler);
  const garbageCollector = new GarbageCollector(ctx);
  const nodeLifecycle = new NodeLifecycleController(ctx, {
    ...options.nodeLifecycle,
    lastSeen: options.lastSeen ?? (() => undefined),
    onUnreachablePods: createEvictor(ctx, scheduler.cache),
    ...(options.onRecovered && { onRecovered: options.onRecovered }),
  });
  const all: Controller[] = [scheduler, deployment, daemonSet, garbageCollector, nodeLifecycle];
  return {
    informers,
    scheduler,
    deployment,
    daemonSet,
    garbageCollector,
    nodeLifecycle,
    all,
    async start() {
      await informers.start();
      for (const c of all) await c.start();
    },
    async stop() {
      for (const c of all) await c.stop();
      await informers.stop();
    },
  };
}
