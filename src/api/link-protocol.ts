/**
 * The agent ↔ hub link: JSON messages over an agent-initiated WebSocket. Every
 * message carries the protocol version `v`; a peer that receives a version it does
 * not speak answers with an `error` and closes. The agent acknowledges desired
 * state only after it is durable in its own SQLite file; on reconnect it presents
 * what it holds and its last acknowledged revision, and the hub sends only the
 * difference.
 */
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
