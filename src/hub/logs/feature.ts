/**
 * `pods/log` on the hub, as kubectl calls it
 * (`GET /api/v1/namespaces/{ns}/pods/{name}/log?container=&follow=&tailLines=&timestamps=&limitBytes=`):
 * the hub asks the pod's agent over the link and streams what it sends back. Logs
 * stay on the nodes; a node whose agent is not connected gets a clear 503.
 */
import { randomUUID } from 'node:crypto';
import { EdgewiseError } from '../../api/errors.js';
import { podType } from '../../api/kinds/pod.js';
import type { PodSpec } from '../../api/kinds/pod-spec.js';
import { LOGS_MESSAGES, type LogsOpenMessage } from '../../api/logs-protocol.js';
import type { HubFeature } from '../feature.js';
import type { SubresourceHandler, SubresourceRequest } from '../http/app.js';
import type { Hub } from '../hub.js';
import { LogStream } from './stream.js';

export interface WorkloadLogsOptions {
  /** How long the agent has to open a stream. @default 15000 */
  answerTimeoutMs?: number;
}

export function workloadLogsFeature(options: WorkloadLogsOptions = {}): HubFeature {
  return {
    name: 'workload-logs',
    install(hub: Hub) {
      const streams = new Map<string, LogStream>();
      const byId = (node: string, message: Record<string, unknown>) => {
        const stream = streams.get(String(message.id));
        // A node may only feed the streams it was asked for.
        return stream?.node === node ? stream : undefined;
      };
      hub.link?.handle(LOGS_MESSAGES.start, async (node, m) => byId(node, m)?.start());
      hub.link?.handle(LOGS_MESSAGES.data, async (node, m) => byId(node, m)?.data(String(m.text ?? '')));
      hub.link?.handle(LOGS_MESSAGES.end, async (node, m) =>
        byId(node, m)?.end(m.error as { code: string; message: string } | undefined),
      );
      const handler: SubresourceHandler = {
        name: 'log',
        plural: 'pods',
        group: '',
        kind: 'Pod',
        verbs: ['get'],
        handle: (request) => serveLogs(hub, streams, request, options.answerTimeoutMs ?? 15_000),
      };
      hub.subresources.push(handler);
    },
  };
}

async function serveLogs(
  hub: Hub,
  streams: Map<string, LogStream>,
  { req, res, url, namespace, name }: SubresourceRequest,
  answerTimeoutMs: number,
): Promise<void> {
  if (req.method !== 'GET')
    throw new EdgewiseError('EW_METHOD_NOT_ALLOWED', `${req.method ?? ''} is not supported on pods/log`);
  const query = parseQuery(url.searchParams);
  const pod = await hub.service.get(podType, namespace, name);
  const spec = pod.spec as PodSpec;
  const names = [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name);
  const container = query.container ?? (spec.containers.length === 1 ? spec.containers[0]?.name : undefined);
  if (!container)
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
    );
  if (!names.includes(container))
    throw new EdgewiseError('EW_BAD_REQUEST', `container ${container} is not valid for pod ${name}`);
  const node = spec.nodeName;
  if (!node) throw new EdgewiseError('EW_BAD_REQUEST', `pod ${name} is not scheduled to a node yet; no logs`);
  const offline = () =>
    new EdgewiseError(
      'EW_UNAVAILABLE',
      `node ${node} is not connected to the hub, so the logs of pod ${namespace}/${name} cannot be read now; ` +
        'they stay on the node and can be read once its agent reconnects',
    );
  const session = hub.link?.session(node);
  if (!session) throw offline();
  const id = randomUUID();
  const stream = new LogStream(id, node, res, query.limitBytes);
  streams.set(id, stream);
  const unsubscribe = session.onClose(() => stream.linkClosed());
  stream.onEnd = (reason) => {
    streams.delete(id);
    unsubscribe();
    if (reason === 'client' || reason === 'limit') session.send({ type: LOGS_MESSAGES.cancel, id });
  };
  const open: LogsOpenMessage = {
    type: LOGS_MESSAGES.open,
    id,
    namespace,
    pod: name,
    uid: pod.metadata.uid ?? '',
    container,
    follow: query.follow,
    timestamps: query.timestamps,
    ...(query.tailLines !== undefined && { tailLines: query.tailLines }),
  };
  if (!session.send({ ...open })) {
    streams.delete(id);
    unsubscribe();
    // The link is closing or not yet synced: to the user, the node is not there.
    throw offline();
  }
  await stream.opened(answerTimeoutMs);
}

interface LogQuery {
  container?: string;
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
}

function parseQuery(params: URLSearchParams): LogQuery {
  const flag = (key: string) => ['true', '1'].includes(params.get(key) ?? '');
  const count = (key: string): number | undefined => {
    const text = params.get(key);
    if (text === null || text === '') return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new EdgewiseError('EW_BAD_REQUEST', `invalid ${key} "${text}"`);
    return n;
  };
  if (flag('previous'))
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      'logs of a previous container instance are not kept; leave out --previous',
    );
  const container = params.get('container') || undefined;
  const tailLines = count('tailLines');
  const limitBytes = count('limitBytes');
  return {
    follow: flag('follow'),
    timestamps: flag('timestamps'),
    ...(container && { container }),
    ...(tailLines !== undefined && { tailLines }),
    ...(limitBytes !== undefined && limitBytes > 0 && { limitBytes }),
  };
}
