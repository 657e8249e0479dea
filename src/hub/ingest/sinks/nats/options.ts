/** Options of the NATS JetStream sink. */

import type { FieldErrors } from '../../../../api/field-errors.js';
import type { PayloadFormat } from '../message.js';
import {
  isNonEmptyString,
  type OptionCheck,
  type OptionSpecs,
  PAYLOAD_OPTION,
  TIMEOUT_OPTION,
} from '../options.js';
import { type DestinationRule, isTemplate } from '../template.js';

export interface NatsSinkOptions {
  /** Server URL(s): `nats://host:4222`, or several for a cluster. */
  servers: string | string[];
  /**
   * Subject template; `{node}`, `{epoch}` and `{stream}` are filled in per record. A
   * JetStream stream must capture the subjects it produces.
   * @default "edgewise.{stream}.{node}"
   */
  subject?: string;
  /** Fail unless the stream that stores the message has this name (JetStream's `Nats-Expected-Stream`). */
  expectStream?: string;
  /** User name, with `password`. */
  user?: string;
  password?: string;
  /** Token authentication, instead of user and password. */
  token?: string;
  /** @default "data" */
  payload?: PayloadFormat;
  /** @default 10000 */
  timeoutMs?: number;
}

export type ResolvedNatsOptions = Readonly<
  Required<Omit<NatsSinkOptions, 'expectStream' | 'user' | 'password' | 'token'>> &
    Pick<NatsSinkOptions, 'expectStream' | 'user' | 'password' | 'token'>
>;

/**
 * A subject to publish to: dot-separated tokens, none empty, no whitespace and no
 * wildcards (`*`, `>`). A node name with dots yields more tokens; capture with `>`.
 */
export const subjectRule: DestinationRule = (subject) => {
  if (/[\s*>]/.test(subject)) return 'may not contain whitespace, "*" or ">"';
  if (subject.split('.').some((token) => token === ''))
    return 'may not have an empty token (".." or a "." at an end)';
  return undefined;
};

const isServers: OptionCheck = (v) => {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) return 'must be a URL or a non-empty list of URLs';
  for (const s of list) {
    if (typeof s !== 'string' || s === '') return 'must contain only non-empty strings';
    // The client also accepts host:port; a scheme, when given, must be one it speaks.
    if (s.includes('://') && !/^(nats|tls):\/\//.test(s))
      return `has ${JSON.stringify(s)}: scheme must be nats: or tls:`;
  }
  return undefined;
};

const isStreamName: OptionCheck = (v) =>
  typeof v === 'string' && /^[^\s.*>/\\]+$/.test(v)
    ? undefined
    : 'must be a JetStream stream name (no whitespace, ".", "*", ">", "/" or "\\")';

export const NATS_OPTIONS: OptionSpecs = {
  servers: {
    type: 'string | string[]',
    doc: 'Server URL(s), e.g. nats://nats:4222; several for a cluster.',
    required: true,
    check: isServers,
  },
  subject: {
    type: 'string (template)',
    doc: 'Subject; {node}, {epoch} and {stream} are filled in per record. A JetStream stream must capture it.',
    default: 'edgewise.{stream}.{node}',
    check: isTemplate(subjectRule),
  },
  expectStream: {
    type: 'string',
    doc: 'Fail unless the message is stored by the JetStream stream of this name.',
    check: isStreamName,
  },
  user: { type: 'string', doc: 'User name, with password.', check: isNonEmptyString },
  password: { type: 'string', doc: 'Password, with user.', secret: true, check: isNonEmptyString },
  token: {
    type: 'string',
    doc: 'Token authentication, instead of user and password.',
    secret: true,
    check: isNonEmptyString,
  },
  payload: PAYLOAD_OPTION,
  timeoutMs: TIMEOUT_OPTION,
};

/** User goes with password; a token replaces both. */
export function checkNatsAuth(resolved: Readonly<Record<string, unknown>>, errors: FieldErrors): void {
  const has = (name: string) => resolved[name] !== undefined;
  if (has('user') !== has('password'))
    errors.required(has('user') ? 'password' : 'user', 'user and password go together');
  if (has('token') && has('user')) errors.forbidden('token', 'use either token or user and password');
}
