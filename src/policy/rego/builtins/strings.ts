/**
 * String builtins with Go's semantics: positions and lengths count Unicode
 * code points (runes), `split` and `replace` follow strings.Split/ReplaceAll,
 * trimming uses cutsets.
 */
import { RSet, type Value } from '../value/value.js';
import { runeCount } from './aggregates.js';
import { type BuiltinDef, BuiltinError, def, int, obj, operandError, str, typeError } from './types.js';

export function runes(s: string): string[] {
  return Array.from(s);
}

function strings(args: Value[], i: number): string[] {
  const v = args[i] as Value;
  const xs = Array.isArray(v) ? v : v instanceof RSet ? v.sorted() : null;
  if (xs === null) throw operandError(i + 1, 'one of {array, set}', v);
  for (const x of xs) {
    if (typeof x !== 'string')
      throw typeError(
        `operand ${i + 1} must be array of strings but got array containing ${typeof x === 'object' ? 'non-string' : typeof x}`,
      );
  }
  return xs as string[];
}

/** A string, or the strings of an array or set (any_prefix_match and friends). */
function stringOrStrings(args: Value[], i: number): string[] {
  const v = args[i] as Value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || v instanceof RSet) {
    const xs = Array.isArray(v) ? v : v.sorted();
    for (const x of xs) {
      if (typeof x !== 'string') {
        const got =
          x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'bigint' ? 'number' : typeof x;
        throw typeError(`operand ${i + 1} must be array of strings but got array containing ${got}`);
      }
    }
    return xs as string[];
  }
  throw operandError(i + 1, 'one of {string, set, array}', v);
}

function cutset(cs: string): Set<string> {
  return new Set(runes(cs));
}

function trimLeft(s: string, cs: Set<string>): string {
  const r = runes(s);
  let i = 0;
  while (i < r.length && cs.has(r[i] as string)) i++;
  return r.slice(i).join('');
}

function trimRight(s: string, cs: Set<string>): string {
  const r = runes(s);
  let j = r.length;
  while (j > 0 && cs.has(r[j - 1] as string)) j--;
  return r.slice(0, j).join('');
}

/** Go's strings.Split: an empty separator splits into runes. */
export function goSplit(s: string, sep: string): string[] {
  if (sep === '') return runes(s);
  return s.split(sep);
}

/** Go's strings.ReplaceAll: an empty old string inserts between runes. */
function goReplaceAll(s: string, old: string, neu: string): string {
  if (old === '') return [neu, ...runes(s).flatMap((r) => [r, neu])].join('');
  return s.split(old).join(neu);
}

function runeIndexOf(s: string, sub: string, from = 0): number {
  const r = runes(s);
  const sr = runes(sub);
  outer: for (let i = from; i + sr.length <= r.length; i++) {
    for (let j = 0; j < sr.length; j++) if (r[i + j] !== sr[j]) continue outer;
    return i;
  }
  return -1;
}

function formatInt(n: number | bigint, base: number): string {
  const b = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  return b.toString(base);
}

export const STRINGS: BuiltinDef[] = [
  def('concat', 2, (args) => strings(args, 1).join(str(args, 0))),
  def('contains', 2, (args) => str(args, 0).includes(str(args, 1))),
  def('startswith', 2, (args) => str(args, 0).startsWith(str(args, 1))),
  def('endswith', 2, (args) => str(args, 0).endsWith(str(args, 1))),
  def('lower', 1, (args) => str(args, 0).toLowerCase()),
  def('upper', 1, (args) => str(args, 0).toUpperCase()),
  def('split', 2, (args) => goSplit(str(args, 0), str(args, 1))),
  def('replace', 3, (args) => goReplaceAll(str(args, 0), str(args, 1), str(args, 2))),
  def('strings.replace_n', 2, (args) => {
    const patterns = obj(args, 0);
    const s = str(args, 1);
    // Go's strings.NewReplacer: at each position the first matching pattern (in key order) wins.
    const pairs: [string, string][] = [];
    for (const k of patterns.keys()) {
      const v = patterns.get(k);
      if (typeof k !== 'string' || typeof v !== 'string')
        throw typeError('operand 1 must be object[string: string]');
      pairs.push([k, v]);
    }
    let out = '';
    let i = 0;
    while (i < s.length) {
      const hit = pairs.find(([k]) => k !== '' && s.startsWith(k, i));
      if (hit) {
        out += hit[1];
        i += hit[0].length;
      } else {
        out += s[i];
        i++;
      }
    }
    return out;
  }),
  def('substring', 3, (args) => {
    const s = str(args, 0);
    const start = int(args, 1);
    const len = int(args, 2);
    if (start < 0) throw new BuiltinError('negative offset');
    const r = runes(s);
    if (start >= r.length) return '';
    return len < 0 ? r.slice(start).join('') : r.slice(start, start + len).join('');
  }),
  def('trim', 2, (args) => {
    const cs = cutset(str(args, 1));
    return trimRight(trimLeft(str(args, 0), cs), cs);
  }),
  def('trim_left', 2, (args) => trimLeft(str(args, 0), cutset(str(args, 1)))),
  def('trim_right', 2, (args) => trimRight(str(args, 0), cutset(str(args, 1)))),
  def('trim_prefix', 2, (args) => {
    const s = str(args, 0);
    const p = str(args, 1);
    return s.startsWith(p) ? s.slice(p.length) : s;
  }),
  def('trim_suffix', 2, (args) => {
    const s = str(args, 0);
    const p = str(args, 1);
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  }),
  def('trim_space', 1, (args) => str(args, 0).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '')),
  def('indexof', 2, (args) => {
    const s = str(args, 0);
    const sub = str(args, 1);
    // An empty search string is not found anywhere (OPA rejects it).
    return sub === '' ? -1 : runeIndexOf(s, sub);
  }),
  def('indexof_n', 2, (args) => {
    const s = str(args, 0);
    const sub = str(args, 1);
    const out: number[] = [];
    const n = runeCount(s);
    for (let i = 0; i <= n; i++) {
      const j = runeIndexOf(s, sub, i);
      if (j < 0) break;
      out.push(j);
      i = j;
    }
    return out;
  }),
  def('strings.reverse', 1, (args) => runes(str(args, 0)).reverse().join('')),
  def('strings.count', 2, (args) => {
    const s = str(args, 0);
    const sub = str(args, 1);
    if (sub === '') return runeCount(s) + 1;
    return s.split(sub).length - 1;
  }),
  def('strings.any_prefix_match', 2, (args) => {
    const xs = stringOrStrings(args, 0);
    const ps = stringOrStrings(args, 1);
    return xs.some((x) => ps.some((p) => x.startsWith(p)));
  }),
  def('strings.any_suffix_match', 2, (args) => {
    const xs = stringOrStrings(args, 0);
    const ps = stringOrStrings(args, 1);
    return xs.some((x) => ps.some((p) => x.endsWith(p)));
  }),
  def('format_int', 2, (args) => {
    const n = args[0] as Value;
    if (typeof n !== 'number' && typeof n !== 'bigint') throw operandError(1, 'number', n);
    const base = int(args, 1);
    if (![2, 8, 10, 16].includes(base)) throw new BuiltinError('operand 2 must be one of {2, 8, 10, 16}');
    return formatInt(n, base);
  }),
  def('strings.render_template', 2, (args) => {
    const tpl = str(args, 0);
    const vars = args[1] as Value;
    return tpl.replace(/\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
      const v =
        vars !== null && typeof vars === 'object' && 'get' in vars
          ? (vars as { get(k: Value): Value | undefined }).get(name)
          : undefined;
      if (v === undefined) return '<no value>';
      return typeof v === 'string' ? v : String(v);
    });
  }),
  // Not yet in a released OPA: the first n parts for n > 0, the last -n parts for n < 0.
  def('strings.split_n', 3, (args) => {
    const parts = goSplit(str(args, 0), str(args, 1));
    const n = int(args, 2);
    if (n === 0) return [];
    return n > 0 ? parts.slice(0, n) : parts.slice(n);
  }),
];
