/**
 * What the agent lends Wasm guests through the `edgewise` host functions: the
 * services its features offer. The Wasm driver is built before the features start
 * (they need the reconciler, which needs the drivers), so it gets this object empty
 * and reads it when a workload starts — after the features have filled it in.
 */
import type { WasmHostServices, WasmPolicyHost, WasmStreamHost } from '../runtime/wasm/host/services.js';
import type { AgentFeature } from './feature.js';

export class AgentWasmHost implements WasmHostServices {
  policy: WasmPolicyHost | undefined;
  streams: WasmStreamHost | undefined;

  /** Takes what a started feature offers. */
  attach(feature: AgentFeature): void {
    const offered = feature.wasmHostServices?.();
    if (offered?.policy) this.policy = offered.policy;
    if (offered?.streams) this.streams = offered.streams;
  }
}
