/**
 * Node credentials: one bearer credential per node name, bound to the machine that
 * first joined under that name. The hub keeps only the credential's SHA-256, with the
 * machine id, in the Secret `edgewise-system/node-credential-<node>`; issuing a new
 * one replaces the hash, which revokes the old credential.
 *
 * Credential: `ewn1.<nodeName>.<43 chars base64url of 32 random bytes>`. The name in
 * it lets the hub find the one Secret to compare against instead of scanning all.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EdgewiseError } from '../../api/errors.js';
import { secretType } from '../../api/kinds/core.js';
import type { KubeObject } from '../../api/object.js';
import { type ResourceService, timestamp } from '../service/resource-service.js';
import { SYSTEM_NAMESPACE } from './token-secret.js';

export const NODE_CREDENTIAL_TYPE = 'edgewise.io/node-credential';
const CREDENTIAL = /^ewn1\.([a-z0-9][-a-z0-9.]*)\.([A-Za-z0-9_-]{43})$/;
const MAX_BIND_ATTEMPTS = 5;

export interface NodeBinding {
  nodeName: string;
  machineId: string;
  credentialSha256: string;
  object: KubeObject;
}

export interface NodeCredentialsOptions {
  service: ResourceService;
  /** @default () => new Date() */
  now?: () => Date;
}

export function credentialSecretName(nodeName: string): string {
  return `node-credential-${nodeName}`;
}

export class NodeCredentials {
  readonly #service: ResourceService;
  readonly #now: () => Date;

  constructor(options: NodeCredentialsOptions) {
    this.#service = options.service;
    this.#now = options.now ?? (() => new Date());
  }

  async binding(nodeName: string): Promise<NodeBinding | undefined> {
    const object = await this.#service.find(secretType, SYSTEM_NAMESPACE, credentialSecretName(nodeName));
    if (!object || object.type !== NODE_CREDENTIAL_TYPE) return undefined;
    const data = (object.data ?? {}) as Record<string, string | undefined>;
    const read = (key: string) => Buffer.from(data[key] ?? '', 'base64').toString('utf8');
    return { nodeName, machineId: read('machine-id'), credentialSha256: read('credential-sha256'), object };
  }

  /** Throws EW_ALREADY_EXISTS when the name is bound to another machine. */
  async checkOwner(nodeName: string, machineId: string): Promise<NodeBinding | undefined> {
    const existing = await this.binding(nodeName);
    if (existing && !equalText(existing.machineId, machineId)) {
      throw new EdgewiseError('EW_ALREADY_EXISTS', `node name ${nodeName} belongs to another machine`, {
        name: nodeName,
        kind: 'nodes',
      });
    }
    return existing;
  }

  /**
   * Issues a fresh credential for `nodeName` on `machineId`, replacing (revoking)
   * any earlier one. Writes are conditional, so a second machine racing for the
   * same new name loses with EW_ALREADY_EXISTS instead of overwriting the first.
   */
  async issue(nodeName: string, machineId: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const existing = await this.checkOwner(nodeName, machineId);
      const secret = randomBytes(32).toString('base64url');
      const body = this.#secret(nodeName, machineId, secret, existing?.object.metadata.resourceVersion);
      try {
        if (existing)
          await this.#service.update(secretType, SYSTEM_NAMESPACE, credentialSecretName(nodeName), body);
        else await this.#service.create(secretType, SYSTEM_NAMESPACE, body);
        return `ewn1.${nodeName}.${secret}`;
      } catch (err) {
        const raced =
          EdgewiseError.isCode(err, 'EW_CONFLICT') || EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS');
        if (!raced || attempt >= MAX_BIND_ATTEMPTS) throw err;
      }
    }
  }

  /** The node a credential belongs to; EW_UNAUTHORIZED when it is unknown, revoked or malformed. */
  async authenticate(bearer: string): Promise<string> {
    const m = CREDENTIAL.exec(bearer);
    const binding = m ? await this.binding(m[1] ?? '') : undefined;
    const presented = sha256(m?.[2] ?? '');
    const stored = Buffer.from(binding?.credentialSha256 ?? '0'.repeat(64), 'hex');
    if (!binding || stored.length !== presented.length || !timingSafeEqual(stored, presented)) {
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        'the node credential is invalid or has been revoked; join the node again',
      );
    }
    return binding.nodeName;
  }

  /** Forgets a node's binding: its credential stops working and the name is free again. */
  async revoke(nodeName: string): Promise<boolean> {
    try {
      await this.#service.delete(secretType, SYSTEM_NAMESPACE, credentialSecretName(nodeName));
      return true;
    } catch (err) {
      if (EdgewiseError.isCode(err, 'EW_NOT_FOUND')) return false;
      throw err;
    }
  }

  #secret(
    nodeName: string,
    machineId: string,
    secret: string,
    resourceVersion: string | undefined,
  ): KubeObject {
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: credentialSecretName(nodeName),
        namespace: SYSTEM_NAMESPACE,
        ...(resourceVersion && { resourceVersion }),
      },
      type: NODE_CREDENTIAL_TYPE,
      data: {
        'node-name': b64(nodeName),
        'machine-id': b64(machineId),
        'credential-sha256': b64(sha256(secret).toString('hex')),
        'issued-at': b64(timestamp(this.#now())),
      },
    };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function equalText(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}
