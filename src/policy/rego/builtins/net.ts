/** net.cidr_* over IPv4 and IPv6, with addresses as bigints. */
import type { Ctx } from '../eval/ctx.js';
import { RObject, RSet, type Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, operandError, str } from './types.js';

interface Net {
  v6: boolean;
  addr: bigint;
  bits: number;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p[0] === '0')) return undefined;
    out = (out << 8n) | BigInt(p);
  }
  return out;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  let tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail = parseV4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let out = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(`0x${g}`);
  }
  if (tail !== undefined) out = (out & ~0xffffffffn) | tail;
  return out;
}

function parseIP(s: string): { v6: boolean; addr: bigint } | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v6: false, addr: v4 };
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { v6: true, addr: v6 };
}

function parseCIDR(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (ip.v6 ? 128 : 32)) return undefined;
  return { v6: ip.v6, addr: maskAddr(ip.addr, bits, ip.v6), bits };
}

function width(v6: boolean): number {
  return v6 ? 128 : 32;
}

function maskAddr(addr: bigint, bits: number, v6: boolean): bigint {
  const w = BigInt(width(v6));
  const host = w - BigInt(bits);
  return (addr >> host) << host;
}

function cidrOrIP(s: string, pos: number): Net {
  const n = parseCIDR(s);
  if (n) return n;
  const ip = parseIP(s);
  if (!ip) throw new BuiltinError(`operand ${pos}: invalid CIDR or IP: ${s}`);
  return { v6: ip.v6, addr: ip.addr, bits: width(ip.v6) };
}

function cidrArg(args: Value[], i: number): Net {
  const s = str(args, i);
  const n = parseCIDR(s);
  if (!n) throw new BuiltinError(`operand ${i + 1}: invalid CIDR: ${s}`);
  return n;
}

function contains(a: Net, b: Net): boolean {
  return a.v6 === b.v6 && b.bits >= a.bits && maskAddr(b.addr, a.bits, a.v6) === a.addr;
}

function formatIP(addr: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((addr >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as Go prints.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function collection(v: Value, pos: number): [Value, string][] {
  if (typeof v === 'string') return [[v, v]];
  const entries: [Value, string][] = [];
  const push = (k: Value, x: Value): void => {
    if (typeof x !== 'string') throw operandError(pos, 'string or collection of strings', x);
    entries.push([k, x]);
  };
  if (Array.isArray(v)) for (const [i, x] of v.entries()) push(i, x);
  else if (v instanceof RSet) for (const x of v.sorted()) push(x, x);
  else if (v instanceof RObject) for (const k of v.keys()) push(k, v.get(k) as Value);
  else throw operandError(pos, 'one of {string, array, set, object}', v);
  return entries;
}

function merge(nets: Net[]): Net[] {
  const sorted = nets
    .slice()
    .sort((x, y) =>
      x.v6 !== y.v6 ? (x.v6 ? 1 : -1) : x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : x.bits - y.bits,
    );
  const out: Net[] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && contains(last, n)) continue;
    out.push(n);
    // Two sibling halves join into their parent, repeatedly.
    for (;;) {
      const b = out[out.length - 1] as Net;
      const a = out[out.length - 2];
      if (!a || a.v6 !== b.v6 || a.bits !== b.bits || a.bits === 0) break;
      const parent = maskAddr(a.addr, a.bits - 1, a.v6);
      if (parent !== a.addr || maskAddr(b.addr, b.bits - 1, b.v6) !== parent) break;
      out.splice(-2, 2, { v6: a.v6, addr: parent, bits: a.bits - 1 });
    }
  }
  return out;
}

export const NET: BuiltinDef[] = [
  def('net.cidr_contains', 2, (a) => contains(cidrArg(a, 0), cidrOrIP(str(a, 1), 2))),
  def('net.cidr_intersects', 2, (a) => {
    const x = cidrArg(a, 0);
    const y = cidrArg(a, 1);
    return contains(x, y) || contains(y, x);
  }),
  def('net.cidr_overlap', 2, (a) => contains(cidrArg(a, 0), cidrOrIP(str(a, 1), 2)), { deprecated: true }),
  def('net.cidr_is_valid', 1, (a) => typeof a[0] === 'string' && parseCIDR(a[0]) !== undefined),
  def('net.cidr_expand', 1, (a, ctx: Ctx) => {
    const n = cidrArg(a, 0);
    const hostBits = width(n.v6) - n.bits;
    if (hostBits > 24) throw new BuiltinError('CIDR too large to expand');
    const count = 1 << hostBits;
    ctx.run.budget.charge(count);
    const out = new RSet();
    for (let i = 0; i < count; i++) out.add(formatIP(n.addr + BigInt(i), n.v6));
    return out;
  }),
  def('net.cidr_contains_matches', 2, (a) => {
    const cidrs = collection(a[0] as Value, 1);
    const addrs = collection(a[1] as Value, 2);
    const out = new RSet();
    for (const [ck, c] of cidrs) {
      const net = cidrOrIP(c, 1);
      for (const [ak, x] of addrs) if (contains(net, cidrOrIP(x, 2))) out.add([ck, ak]);
    }
    return out;
  }),
  def('net.cidr_merge', 1, (a) => {
    const v = a[0] as Value;
    const xs = Array.isArray(v) ? v : v instanceof RSet ? v.sorted() : null;
    if (xs === null) throw operandError(1, 'one of {array, set}', v);
    const nets = xs.map((x) => {
      if (typeof x !== 'string') throw operandError(1, 'array of strings', x);
      return cidrOrIP(x, 1);
    });
    return RSet.of(merge(nets).map((n) => `${formatIP(n.addr, n.v6)}/${n.bits}`));
  }),
];
