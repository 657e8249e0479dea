/**
 * Workload logs over the agent link (a feature's own message types; see
 * docs/wasm.md, "Logs"). The hub asks, the agent streams:
 *
 *   hub → agent   logs-open   { id, namespace, pod, uid, container, follow, tailLines?, timestamps }
 *   agent → hub   logs-start  { id }                      the stream is open: the hub answers 200
 *   agent → hub   logs-data   { id, text }                whole lines, each ending in \n
 *   agent → hub   logs-end    { id, error?: {code,message} }  done (or refused before starting)
 *   hub → agent   logs-cancel { id }                      the client went away
 *
 * `id` is the hub's; a link that drops ends every stream on it at both ends.
 */
import type { ErrorCode } from './errors.js';

export const LOGS_MESSAGES = {
  open: 'logs-open',
  cancel: 'logs-cancel',
  start: 'logs-start',
  data: 'logs-data',
  end: 'logs-end',
} as const;

export interface LogsOpenMessage {
  type: typeof LOGS_MESSAGES.open;
  id: string;
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  follow: boolean;
  tailLines?: number;
  timestamps: boolean;
}

export interface LogsEndMessage {
  type: typeof LOGS_MESSAGES.end;
  id: string;
  error?: { code: ErrorCode; message: string };
}
