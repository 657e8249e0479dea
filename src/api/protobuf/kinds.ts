/** Which kinds Edgewise decodes from protobuf, and the entry point that does it. */
import { EdgewiseError } from '../errors.js';
import { decodeMessage } from './decode.js';
import { readEnvelope } from './envelope.js';
import type { MessageSchema } from './schema.js';
import { DaemonSet, Deployment } from './tables/apps.js';
import { ConfigMap, Namespace, Pod, Secret } from './tables/core.js';

/** The media type Kubernetes' typed clients (kubectl create, run, …) send bodies in. */
export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';

const KINDS: ReadonlyMap<string, MessageSchema> = new Map([
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Namespace', Namespace],
  ['v1/Pod', Pod],
  ['apps/v1/Deployment', Deployment],
  ['apps/v1/DaemonSet', DaemonSet],
]);

/** `apiVersion/kind` of every kind decodeKubernetesProtobuf accepts. */
export const PROTOBUF_KINDS: readonly string[] = [...KINDS.keys()];

/**
 * Decodes a Kubernetes protobuf request body into the JSON object the same
 * request would have carried as `application/json`.
 *
 * @throws EdgewiseError EW_BAD_REQUEST for a malformed body, EW_UNSUPPORTED_MEDIA_TYPE
 *   for a kind (or envelope encoding) Edgewise has no field table for.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const envelope = readEnvelope(body);
  const { apiVersion, kind } = envelope;
  const schema = KINDS.get(`${apiVersion}/${kind}`);
  if (!schema) throw unsupported(`${kind} (${apiVersion}) cannot be decoded from ${KUBERNETES_PROTOBUF}`);
  if (
    envelope.contentEncoding !== '' ||
    (envelope.contentType !== '' && envelope.contentType !== KUBERNETES_PROTOBUF)
  ) {
    const encoding = [envelope.contentType, envelope.contentEncoding].filter((s) => s !== '').join(', ');
    throw unsupported(
      `${kind} (${apiVersion}) arrived wrapped as ${encoding}, which Edgewise does not unwrap`,
    );
  }
  // Go writes TypeMeta kind first; matching it keeps decoded objects identical to kubectl's JSON.
  return { kind, apiVersion, ...decodeMessage(schema, envelope.raw, '') };
}

function unsupported(what: string): EdgewiseError {
  const kinds = PROTOBUF_KINDS.map((k) => k.slice(k.lastIndexOf('/') + 1)).join(', ');
  return new EdgewiseError(
    'EW_UNSUPPORTED_MEDIA_TYPE',
    `${what}; Edgewise decodes protobuf only for ${kinds}. ` +
      'Send the object as JSON or YAML instead: kubectl apply -f <file>, or ' +
      'kubectl create ... --dry-run=client -o yaml | kubectl apply -f -',
  );
}
