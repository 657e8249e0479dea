/**
 * Join tokens as stored: Secrets `edgewise-system/bootstrap-token-<id>` of type
 * `bootstrap.kubernetes.io/token` with kubeadm's data keys, so the layout is the one
 * Kubernetes operators know. One-time use and who used the token are annotations.
 */
import type { JoinTokenInfo } from '../../api/join.js';
import type { KubeObject } from '../../api/object.js';
import { timestamp } from '../service/resource-service.js';

export const SYSTEM_NAMESPACE = 'edgewise-system';
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const ONE_TIME_ANNOTATION = 'join.edgewise.io/one-time';
export const USED_BY_ANNOTATION = 'join.edgewise.io/used-by';
export const USED_AT_ANNOTATION = 'join.edgewise.io/used-at';

export interface StoredToken {
  id: string;
  secret: string;
  expires?: Date;
  description?: string;
  oneTime: boolean;
  usedBy?: string;
  usedAt?: string;
  createdAt?: string;
  /** The Secret as read, for conditional writes. */
  object: KubeObject;
}

export function tokenSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: unknown) =>
  typeof text === 'string' ? Buffer.from(text, 'base64').toString('utf8') : undefined;

export function newTokenSecret(token: {
  id: string;
  secret: string;
  expires?: Date;
  description?: string;
  oneTime: boolean;
}): KubeObject {
  const data: Record<string, string> = {
    'token-id': b64(token.id),
    'token-secret': b64(token.secret),
    'usage-bootstrap-authentication': b64('true'),
  };
  if (token.expires) data.expiration = b64(timestamp(token.expires));
  if (token.description) data.description = b64(token.description);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: tokenSecretName(token.id),
      namespace: SYSTEM_NAMESPACE,
      ...(token.oneTime && { annotations: { [ONE_TIME_ANNOTATION]: 'true' } }),
    },
    type: BOOTSTRAP_TOKEN_TYPE,
    data,
  };
}

/** Reads a token Secret; undefined when the object is not a well-formed bootstrap token. */
export function readTokenSecret(object: KubeObject): StoredToken | undefined {
  if (object.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const data = (object.data ?? {}) as Record<string, unknown>;
  const id = unb64(data['token-id']);
  const secret = unb64(data['token-secret']);
  if (!id || !secret || object.metadata.name !== tokenSecretName(id)) return undefined;
  if (unb64(data['usage-bootstrap-authentication']) !== 'true') return undefined;
  const annotations = object.metadata.annotations ?? {};
  const expiration = unb64(data.expiration);
  const expires = expiration ? new Date(expiration) : undefined;
  // An unreadable expiry must not turn into "never expires".
  if (expires && Number.isNaN(expires.getTime())) return undefined;
  const description = unb64(data.description);
  const usedBy = annotations[USED_BY_ANNOTATION];
  const usedAt = annotations[USED_AT_ANNOTATION];
  return {
    id,
    secret,
    oneTime: annotations[ONE_TIME_ANNOTATION] === 'true',
    object,
    ...(expires && { expires }),
    ...(description && { description }),
    ...(usedBy && { usedBy }),
    ...(usedAt && { usedAt }),
    ...(object.metadata.creationTimestamp && { createdAt: object.metadata.creationTimestamp }),
  };
}

/** Marks a one-time token used; the caller writes it with the read resourceVersion as precondition. */
export function markUsed(object: KubeObject, nodeName: string, at: Date): KubeObject {
  const next = structuredClone(object);
  next.metadata.annotations = {
    ...next.metadata.annotations,
    [USED_BY_ANNOTATION]: nodeName,
    [USED_AT_ANNOTATION]: timestamp(at),
  };
  return next;
}

export function tokenInfo(token: StoredToken): JoinTokenInfo {
  return {
    id: token.id,
    oneTime: token.oneTime,
    ...(token.expires && { expires: timestamp(token.expires) }),
    ...(token.description && { description: token.description }),
    ...(token.usedBy && { usedBy: token.usedBy }),
    ...(token.usedAt && { usedAt: token.usedAt }),
    ...(token.createdAt && { createdAt: token.createdAt }),
  };
}
