/**
 * regex.* with RE2 semantics through re2js, a JavaScript port of RE2: the
 * same syntax as Go's regexp (which OPA uses) and matching in time linear in
 * the input, so a hostile pattern such as `(a+)+$` cannot hang evaluation.
 * Compiled patterns are cached.
 */
import { RE2JS } from 're2js';
import type { Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, int, str } from './types.js';

const CACHE_LIMIT = 512;
const cache = new Map<string, RE2JS>();

export function compileRegex(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new BuiltinError((e as Error).message);
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, re);
  return re;
}

/** Go's FindAll*Index: [start, end, group spans...] of up to n matches (n < 0: all). */
function allMatches(re: RE2JS, s: string, n: number): { spans: number[]; groups: (string | null)[] }[] {
  const out: { spans: number[]; groups: (string | null)[] }[] = [];
  const m = re.matcher(s);
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    if (!m.find(pos)) break;
    const a = m.start();
    const b = m.end();
    let accept = true;
    if (b === a) {
      if (a === prevEnd) accept = false;
      const c = s.charCodeAt(a);
      pos = a + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
    } else pos = b;
    prevEnd = b;
    if (accept) {
      const groups: (string | null)[] = [];
      for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g));
      out.push({ spans: [a, b], groups });
    }
  }
  return out;
}

/** Go's Regexp.Split(s, -1). */
function split(re: RE2JS, s: string): string[] {
  if (s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const { spans } of allMatches(re, s, -1)) {
    const [a, b] = spans as [number, number];
    end = a;
    if (b !== 0) out.push(s.slice(beg, end));
    beg = b;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.ReplaceAllString: $1, ${1}, ${name} expand; $$ is a dollar. */
function replaceAll(re: RE2JS, s: string, repl: string): string {
  const matches = allMatches(re, s, -1);
  if (matches.length === 0) return s;
  const names = re.namedGroups();
  let out = '';
  let last = 0;
  for (const { spans, groups } of matches) {
    const [a, b] = spans as [number, number];
    out += s.slice(last, a);
    out += repl.replace(
      /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
      (_m, all: string, braced?: string, bare?: string) => {
        if (all === '$') return '$';
        const name = braced ?? bare ?? '';
        const idx = /^\d+$/.test(name) ? Number(name) : names[name];
        return idx === undefined ? '' : (groups[idx] ?? '');
      },
    );
    last = b;
  }
  return out + s.slice(last);
}

function matchFn(args: Value[]): boolean {
  return compileRegex(str(args, 0)).matcher(str(args, 1)).find();
}

export const REGEX: BuiltinDef[] = [
  def('regex.match', 2, matchFn),
  def('re_match', 2, matchFn, { deprecated: true }),
  def('regex.is_valid', 1, (a) => {
    if (typeof a[0] !== 'string') return false;
    try {
      compileRegex(a[0]);
      return true;
    } catch {
      return false;
    }
  }),
  def('regex.split', 2, (a) => split(compileRegex(str(a, 0)), str(a, 1))),
  def('regex.find_n', 3, (a) =>
    allMatches(compileRegex(str(a, 0)), str(a, 1), int(a, 2)).map(({ groups }) => groups[0] ?? ''),
  ),
  def('regex.find_all_string_submatch_n', 3, (a) =>
    allMatches(compileRegex(str(a, 0)), str(a, 1), int(a, 2)).map(({ groups }) => groups.map((g) => g ?? '')),
  ),
  def('regex.replace', 3, (a) => replaceAll(compileRegex(str(a, 1)), str(a, 0), str(a, 2))),
  def('regex.template_match', 4, (a) => {
    const template = str(a, 0);
    const value = str(a, 1);
    const open = str(a, 2);
    const close = str(a, 3);
    // Literal text outside the delimiters, regular expressions inside them.
    let pattern = '';
    let i = 0;
    while (i < template.length) {
      const j = template.indexOf(open, i);
      if (j < 0) {
        pattern += RE2JS.quote(template.slice(i));
        break;
      }
      const k = template.indexOf(close, j + open.length);
      if (k < 0) throw new BuiltinError(`unbalanced delimiters in template ${template}`);
      pattern += RE2JS.quote(template.slice(i, j)) + template.slice(j + open.length, k);
      i = k + close.length;
    }
    return compileRegex(`^${pattern}$`).matcher(value).find();
  }),
];
