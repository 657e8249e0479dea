/**
 * Agent features (edge policy decisions, data streams, …) plug in here: they get the
 * agent's state, link and local API at start, and are closed before the agent. A
 * feature may also answer Wasm guests' host functions (wasmHostServices).
 */
import type { Logger } from 'pino';
import type { WasmHostServices } from '../runtime/wasm/host/services.js';
import type { LinkClient } from './link/client.js';
import type { LocalApi } from './local-api.js';
import type { Reconciler } from './reconciler/reconciler.js';
import type { AgentState } from './state/agent-state.js';

export interface AgentFeatureContext {
  nodeName: string;
  dataDir: string;
  state: AgentState;
  link: LinkClient;
  localApi: LocalApi;
  reconciler: Reconciler;
  logger: Logger;
}

export interface AgentFeature {
  readonly name: string;
  start(context: AgentFeatureContext): void | Promise<void>;
  close(): void | Promise<void>;
  /** Services this feature lends the Wasm host functions; asked once, after start(). */
  wasmHostServices?(): WasmHostServices;
}
