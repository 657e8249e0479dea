/**
 * What a decision log entry keeps of the input: nothing (`redacted`, the default —
 * inputs at the edge name students and patients), a SHA-256 of its canonical JSON
 * (`hash`: equal inputs can be matched up without being shown, though a guessable
 * input can be guessed), or the whole input (`full`, for debugging).
 */
import { createHash } from 'node:crypto';
import type { DecisionLogEntry } from '../../api/link-protocol.js';

export type InputLogging = 'redacted' | 'hash' | 'full';

/** JSON with object keys sorted at every level, so equal documents hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function inputFields(
  mode: InputLogging,
  input: unknown,
): Pick<DecisionLogEntry, 'input' | 'input_sha256' | 'erased'> {
  if (input === undefined) return {};
  switch (mode) {
    case 'full':
      return { input };
    case 'hash':
      return { input_sha256: sha256(canonicalJson(input)), erased: ['/input'] };
    default:
      return { erased: ['/input'] };
  }
}
