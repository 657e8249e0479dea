/**
 * The agent ↔ hub link: JSON messages over an agent-initiated WebSocket. Every
 * message carries the protocol version `v`; a peer that receives a version it does
 * not speak answers with an `error` and closes. The agent acknowledges desired
 * state only after it is durable in its own SQLite file; on reconnect it presents
 * what it holds and its last acknowledged revision, and the hub sends only the
 * difference.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './object.js';

export const LINK_PROTOCOL_VERSION = 1;
export const LINK_PATH = '/link/v1';
/** WebSocket subprotocol, so a proxy or a mismatched hub refuses at the handshake. */
export const LINK_SUBPROTOCOL = 'edgewise.link.v1';

/** Close codes in the private range (4000–4999). */
export const LinkClose = {
  UNSUPPORTED_VERSION: 4000,
  UNAUTHORIZED: 4001,
  PROTOCOL_ERROR: 4002,
  REPLACED: 4003,
  SHUTDOWN: 4004,
} as const;

/** One object the agent holds, as it tells the hub on reconnect. */
export interface InventoryEntry {
  /** Storage key of the kind: `core/pods`, `core/configmaps`, `core/secrets`, `node.k8s.io/runtimeclasses`. */
  resource: string;
  namespace: string;
  name: string;
  resourceVersion: string;
}

export interface DesiredChange {
  op: 'upsert' | 'delete';
  resource: string;
  /** For delete, only apiVersion/kind/metadata (namespace, name, uid) are meaningful. */
  object: KubeObject;
}

/** Status of one pod as the agent observed it. */
export interface PodStatusReport {
  namespace: string;
  name: string;
  uid: string;
  status: Record<string, unknown>;
}

/** An Event the agent wants recorded (pulls, restarts, back-off…). */
export interface EventReport {
  involvedObject: { kind: string; namespace?: string; name: string; uid?: string; apiVersion?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  time: string;
}

export interface NodeReport {
  labels: Record<string, string>;
  status: Record<string, unknown>;
}

export type AgentMessage =
  | {
      v: number;
      type: 'hello';
      node: string;
      agentVersion: string;
      /** Highest revision whose changes the agent has made durable. */
      lastRevision: number;
      inventory: InventoryEntry[];
      report: NodeReport;
    }
  | { v: number; type: 'ack'; revision: number }
  | { v: number; type: 'heartbeat'; report: NodeReport }
  /** A batch from the agent's outbox; the hub answers `outbox-ack` once it is stored. */
  | {
      v: number;
      type: 'outbox';
      seq: number;
      pods: PodStatusReport[];
      events: EventReport[];
      /** Pods the agent stopped after deletion started; the hub completes their deletion. */
      terminated: { namespace: string; name: string; uid: string }[];
    };

export type HubMessage =
  | {
      v: number;
      type: 'sync';
      /** The store revision this difference brings the agent to. */
      revision: number;
      changes: DesiredChange[];
      /** Number of objects the agent already held unchanged (not resent). */
      unchanged: number;
      heartbeatSeconds: number;
    }
  | { v: number; type: 'changes'; revision: number; changes: DesiredChange[] }
  | { v: number; type: 'outbox-ack'; seq: number }
  /** The hub lost track of the node (it was unreachable): the agent re-reports every pod. */
  | { v: number; type: 'report-status' }
  | { v: number; type: 'error'; code: string; message: string };

/** Parses and version-checks a link frame; returns an error text for anything else. */
export function decodeLinkMessage<T extends { v: number; type: string }>(
  raw: string,
): T | { error: string; version?: number } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: 'link message is not JSON' };
  }
  if (value === null || typeof value !== 'object' || typeof (value as { type?: unknown }).type !== 'string') {
    return { error: 'link message has no type' };
  }
  const v = (value as { v?: unknown }).v;
  if (v !== LINK_PROTOCOL_VERSION) {
    return {
      error: `unsupported link protocol version ${String(v)}; this peer speaks ${LINK_PROTOCOL_VERSION}`,
      version: Number(v),
    };
  }
  return value as T;
}

// ---------------------------------------------------------------------------
// Edge policy (src/agent/edge-policy, src/hub/edge-policy; docs/edge-policy.md).
// A feature's own message types, carried with `LinkClient.send` / `LinkServer.handle`:
//
//   agent → hub   decisions       { log, seq, entries, dropped }   the oldest unacknowledged decision log entries
//   hub → agent   decisions-ack   { seq }                     stored durably; the agent trims up to seq
//   agent → hub   policy-status   { statuses }                how each policy/data ConfigMap loaded (no ack:
//                                                             sent again after every sync and change)

/** The kube-mgmt convention for ConfigMaps that carry Rego policies and JSON data, and where Edgewise targets them. */
export const EDGE_POLICY = {
  policyLabel: 'openpolicyagent.org/policy',
  policyValue: 'rego',
  dataLabel: 'openpolicyagent.org/data',
  dataValue: 'opa',
  /** kube-mgmt's status annotation, written by the hub from what nodes report. */
  statusAnnotation: 'openpolicyagent.org/kube-mgmt-status',
  /** A label selector (kubectl syntax) over Node labels; absent or empty: every node. */
  nodeSelectorAnnotation: 'edgewise.io/node-selector',
  messages: {
    decisions: 'decisions',
    decisionsAck: 'decisions-ack',
    status: 'policy-status',
  },
} as const;

/** Which convention a ConfigMap follows, by its labels (data wins when both are set, as in kube-mgmt). */
export function edgePolicyKind(labels: Record<string, string> | undefined): 'policy' | 'data' | undefined {
  if (labels?.[EDGE_POLICY.dataLabel] === EDGE_POLICY.dataValue) return 'data';
  if (labels?.[EDGE_POLICY.policyLabel] === EDGE_POLICY.policyValue) return 'policy';
  return undefined;
}

/**
 * What a node's load result refers to: a hash of a ConfigMap's labels and data (as kube-mgmt's
 * fingerprint), so a change to annotations alone — the status the hub writes — is not a new version.
 */
export function edgePolicyFingerprint(object: KubeObject): string {
  const sorted = (o: unknown) =>
    Object.fromEntries(
      Object.entries((o ?? {}) as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return createHash('sha256')
    .update(JSON.stringify([sorted(object.metadata.labels), sorted(object.data)]))
    .digest('hex')
    .slice(0, 16);
}

/** One decision the agent's policy API made, as recorded locally and shipped for audit. */
export interface DecisionLogEntry {
  /** Sequence number in the node's decision log, increasing; the hub keeps (node, log, seq) unique. */
  seq: number;
  /** Returned to the caller as `decision_id` (a UUID). */
  decision_id: string;
  /** RFC 3339 with milliseconds. */
  timestamp: string;
  /** The data path asked, `education/allow` (no `data.` prefix, as OPA's decision logs). */
  path: string;
  /** The input, only when the agent logs inputs in full. */
  input?: unknown;
  /** SHA-256 of the input's canonical JSON, when the agent logs input hashes. */
  input_sha256?: string;
  /** JSON pointers of what was left out (`/input` when inputs are redacted), as OPA's `erased`. */
  erased?: string[];
  /** The decision; absent when the document is undefined or evaluation failed. */
  result?: unknown;
  /** Set instead of `result` when the result was larger than the agent logs. */
  result_sha256?: string;
  /** Evaluation error: OPA's code (`eval_budget_error`, …) and message with file:line:col. */
  error?: { code: string; message: string };
  /** Evaluation time in nanoseconds. */
  eval_ns: number;
  /** The agent's policy bundle revision that decided (increases each time what is in force changes). */
  revision: number;
}

/** How one policy or data ConfigMap loaded on a node. */
export interface PolicySourceStatus {
  namespace: string;
  name: string;
  uid: string;
  kind: 'policy' | 'data';
  /** `edgePolicyFingerprint` of the version this status is about. */
  fingerprint: string;
  status: 'ok' | 'error';
  /** Why the version was rejected (file:line:col for Rego); the previous good version stays in force. */
  error?: string;
  /** Fingerprint of the version in force on the node, if any. */
  inForce?: string;
}

export type EdgePolicyAgentMessage =
  | {
      v: number;
      type: 'decisions';
      /** Names this node's decision log: a node whose state is wiped and joins again starts a new one (seqs restart). */
      log: string;
      /** Highest seq in `entries`; the hub answers `decisions-ack` with it once they are durable. */
      seq: number;
      entries: DecisionLogEntry[];
      /** Entries this log discarded unshipped (its bound), a running count. */
      dropped: number;
    }
  | { v: number; type: 'policy-status'; statuses: PolicySourceStatus[] };

export type EdgePolicyHubMessage = { v: number; type: 'decisions-ack'; seq: number };

/*
 * Data sync (docs/data-sync.md): feature messages carried by the same link, sent
 * with `LinkClient.send` and handled with `LinkServer.handle`. Listed here so the
 * wire format is documented in one place; they are not part of the unions above.
 */

/** One record in a stream batch, after egress redaction. */
export interface StreamBatchRecord {
  seq: number;
  /** When the app wrote it (RFC 3339, the agent's clock). */
  time: string;
  data: unknown;
}

/**
 * Agent → hub: records of one (stream, epoch) covering `from..to` in order. Sequence
 * numbers in that range missing from `records` were evicted, refused by the egress
 * policy or found corrupt at the edge; the agent's stream report counts them.
 */
export interface StreamBatchMessage {
  v: number;
  type: 'stream-batch';
  /** Agent-chosen id, echoed in the answer. */
  id: number;
  stream: string;
  epoch: string;
  /** The highest sequence of this epoch the agent had been told was committed (0: none). */
  base: number;
  from: number;
  to: number;
  /** The DataSync (namespace/name) whose sink the agent routed the stream to. */
  dataSync: string;
  records: StreamBatchRecord[];
}

/** Hub → agent: everything of (stream, epoch) up to `through` is durable at the sink; trim it. */
export interface StreamAckMessage {
  v: number;
  type: 'stream-ack';
  id: number;
  stream: string;
  epoch: string;
  through: number;
}

/**
 * Hub → agent: the batch was not committed; keep the records and resend from the
 * last acknowledged sequence after `retryAfterMs`. Codes: `sink-unavailable`,
 * `unrouted` (the hub does not know the DataSync), `out-of-order`, `busy`, `invalid`.
 */
export interface StreamNackMessage {
  v: number;
  type: 'stream-nack';
  id: number;
  stream: string;
  epoch: string;
  code: string;
  message: string;
  retryAfterMs: number;
}

/** Per-stream counters as the agent sees them. */
export interface StreamReport {
  stream: string;
  dataSync?: string;
  sink?: string;
  priority: number;
  epoch: string;
  lastSeq: number;
  backlog: number;
  backlogBytes: number;
  /** Age of the oldest record still waiting to leave, in seconds (0 when none wait). */
  lagSeconds: number;
  written: number;
  delivered: number;
  evictedByAge: number;
  evictedByBytes: number;
  rejected: number;
  refusedByPolicy: number;
  redacted: number;
  corrupt: number;
  lost: number;
  /** `ok`, or why the stream is held (policy missing or invalid, unrouted, sink down). */
  policy: string;
  held?: string;
}

/** Agent → hub: the state of every stream on the node (on change, at most every few seconds). */
export interface StreamReportMessage {
  v: number;
  type: 'stream-report';
  streams: StreamReport[];
}
