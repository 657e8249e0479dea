/**
 * Admission: checks that run after validation and before storage. Gatekeeper
 * constraints plug in here; so can anything else that must see every write.
 */
import type { KubeObject } from '../api/object.js';
import type { ResourceType } from '../api/resource-type.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  type: ResourceType;
  /** The object as it will be stored (for DELETE, the object being deleted). */
  object: KubeObject;
  oldObject?: KubeObject;
  namespace: string;
  name: string;
  subresource?: string;
  userInfo: UserInfo;
  dryRun: boolean;
}

export interface AdmissionResult {
  /** Shown to the client as `Warning` headers. */
  warnings: string[];
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Throws EW_ADMISSION_DENIED (or another EdgewiseError) to reject; returns warnings otherwise. */
  admit(request: AdmissionRequest): Promise<AdmissionResult>;
}

export class AdmissionChain {
  readonly #plugins: AdmissionPlugin[] = [];

  add(plugin: AdmissionPlugin): void {
    this.#plugins.push(plugin);
  }

  async admit(request: AdmissionRequest): Promise<string[]> {
    const warnings: string[] = [];
    for (const plugin of this.#plugins) {
      const result = await plugin.admit(request);
      warnings.push(...result.warnings);
    }
    return warnings;
  }
}

export const SYSTEM_USER: UserInfo = { username: 'system:edgewise', groups: ['system:masters'] };
