/**
 * Hub features (Gatekeeper admission and audit, edge policy shipping, data ingest)
 * install themselves into a hub before it starts: kinds into the registry,
 * admission plugins, routes, link message handlers, shipping rules, controllers.
 */
import type { Controller } from './controllers/context.js';
import type { Hub } from './hub.js';

export interface HubFeature {
  readonly name: string;
  /** Called once by createHub, after the hub's parts exist and before it starts. */
  install(hub: Hub): void | Promise<void>;
}

export type { Controller };
