/**
 * print, trace, uuid.*, opa.runtime, and the network builtins Edgewise does
 * not offer (http.send, net.lookup_ip_addr): a policy may still mention them
 * and replace them with `with ... as` in tests, but calling them is an error,
 * since an edge decision must not wait on the network.
 */
import { randomUUID } from 'node:crypto';
import { formatBare } from '../value/format.js';
import { normInt } from '../value/number.js';
import { RObject, type Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, operandError, str } from './types.js';

function uuidInfo(s: string): RObject | undefined {
  const m =
    /^(?:urn:uuid:)?\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/.exec(
      s,
    );
  if (!m) return undefined;
  const hex = m.slice(1).join('').toLowerCase();
  const version = Number.parseInt(hex[12] as string, 16);
  const v = Number.parseInt(hex[16] as string, 16);
  const variant =
    (v & 0x8) === 0
      ? 'Reserved, NCS backward compatibility'
      : (v & 0xc) === 0x8
        ? 'RFC4122'
        : (v & 0xe) === 0xc
          ? 'Reserved, Microsoft Corporation backward compatibility'
          : 'Reserved, future definition';
  const out = new RObject();
  out.set('version', version);
  out.set('variant', variant);
  if (version === 1) {
    const time =
      (BigInt(`0x${hex.slice(13, 16)}${hex.slice(8, 12)}${hex.slice(0, 8)}`) - 0x01b21dd213814000n) * 100n;
    out.set('time', normInt(time));
    out.set('clocksequence', Number.parseInt(hex.slice(16, 20), 16) & 0x3fff);
    out.set('nodeid', hex.slice(20).match(/../g)?.join('-') ?? '');
    out.set(
      'macvariables',
      (Number.parseInt(hex[21] as string, 16) & 1) === 1 ? 'local:multicast' : 'global:unicast',
    );
  }
  return out;
}

export const MISC: BuiltinDef[] = [
  def('print', -1, (a, ctx) => {
    ctx.run.print?.(a.map((v) => formatBare(v)).join(' '));
    return true;
  }),
  def('trace', 1, (a, ctx) => {
    ctx.run.print?.(str(a, 0));
    return true;
  }),
  // OPA returns an empty object unless it runs as a configured server.
  def('opa.runtime', 0, () => new RObject()),
  def('uuid.rfc4122', 1, (a, ctx) => {
    const key = a[0] as Value;
    if (typeof key !== 'string') throw operandError(1, 'string', key);
    const memoKey = `uuid.rfc4122:${key}`;
    const hit = ctx.run.memo.get(memoKey);
    if (hit !== undefined) return hit;
    const id = randomUUID();
    ctx.run.memo.set(memoKey, id);
    return id;
  }),
  def('uuid.parse', 1, (a) => uuidInfo(str(a, 0))),
  def('http.send', 1, () => {
    throw new BuiltinError(
      'http.send is not supported by the Edgewise engine (mock it with `with http.send as ...`)',
    );
  }),
  def('net.lookup_ip_addr', 1, () => {
    throw new BuiltinError('net.lookup_ip_addr is not supported by the Edgewise engine');
  }),
];
