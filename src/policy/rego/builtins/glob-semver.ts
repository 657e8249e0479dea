/**
 * glob.match (gobwas/glob syntax, as OPA uses: `*`, `**`, `?`, `[a-z]`,
 * `[!a]`, `{a,b}`), compiled to RE2 so matching stays linear; and semver.*
 * per Semantic Versioning 2.0.0.
 */
import { RE2JS } from 're2js';
import type { Value } from '../value/value.js';
import { compileRegex } from './regex.js';
import { type BuiltinDef, BuiltinError, def, str, typeError } from './types.js';

function escapeClass(c: string): string {
  return c.replace(/[\\\]^-]/g, (x) => `\\${x}`);
}

/** Translates a glob to an anchored RE2 pattern. */
export function globToRegex(glob: string, delims: string[]): string {
  const notDelim = delims.length ? `[^${delims.map(escapeClass).join('')}]` : '.';
  let i = 0;
  const parse = (inAlt: boolean): string => {
    let out = '';
    while (i < glob.length) {
      const c = glob[i] as string;
      if (inAlt && (c === ',' || c === '}')) return out;
      i++;
      switch (c) {
        case '*':
          if (glob[i] === '*') {
            i++;
            out += '.*';
          } else out += `${notDelim}*`;
          break;
        case '?':
          out += notDelim;
          break;
        case '\\': {
          const n = glob[i];
          if (n === undefined) throw new BuiltinError('unexpected end of glob after escape');
          i++;
          out += RE2JS.quote(n);
          break;
        }
        case '[': {
          const end = glob.indexOf(']', i + 1);
          if (end < 0) throw new BuiltinError(`unterminated character class in glob ${glob}`);
          let cls = glob.slice(i, end);
          i = end + 1;
          const neg = cls.startsWith('!');
          if (neg) cls = cls.slice(1);
          out += `[${neg ? '^' : ''}${cls.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
          break;
        }
        case '{': {
          const alts: string[] = [];
          for (;;) {
            alts.push(parse(true));
            const d = glob[i];
            i++;
            if (d === '}') break;
            if (d !== ',') throw new BuiltinError(`unterminated alternatives in glob ${glob}`);
          }
          out += `(?:${alts.join('|')})`;
          break;
        }
        default:
          out += RE2JS.quote(c);
      }
    }
    return out;
  };
  return `^${parse(false)}$`;
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

interface SemVer {
  core: [bigint, bigint, bigint];
  pre: string[];
}

function parseSemver(s: string): SemVer | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  return {
    core: [BigInt(m[1] as string), BigInt(m[2] as string), BigInt(m[3] as string)],
    pre: m[4] ? m[4].split('.') : [],
  };
}

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (nx !== ny) return nx ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function semverArg(args: Value[], i: number): SemVer {
  const v = args[i] as Value;
  if (typeof v !== 'string') throw typeError(`operand ${i + 1} expects string argument`);
  const p = parseSemver(v);
  if (!p) throw new BuiltinError(`operand ${i + 1}: string ${JSON.stringify(v)} is not a valid SemVer`);
  return p;
}

export const GLOB_SEMVER: BuiltinDef[] = [
  def('glob.match', 3, (a) => {
    const pattern = str(a, 0);
    const d = a[1] as Value;
    let delims: string[];
    if (d === null) delims = [];
    else if (Array.isArray(d)) {
      delims = d.map((x) => {
        if (typeof x !== 'string') throw typeError('operand 2 must be array of strings');
        return x;
      });
      if (delims.length === 0) delims = ['.'];
    } else throw typeError('operand 2 must be one of {array, null}');
    return compileRegex(globToRegex(pattern, delims)).matcher(str(a, 2)).find();
  }),
  def('glob.quote_meta', 1, (a) => str(a, 0).replace(/[*?\\[\]{}]/g, (c) => `\\${c}`)),
  def('semver.is_valid', 1, (a) => typeof a[0] === 'string' && parseSemver(a[0]) !== undefined),
  def('semver.compare', 2, (a) => {
    const x = semverArg(a, 0);
    const y = semverArg(a, 1);
    for (let i = 0; i < 3; i++) {
      const d = (x.core[i] as bigint) - (y.core[i] as bigint);
      if (d !== 0n) return d < 0n ? -1 : 1;
    }
    return comparePre(x.pre, y.pre);
  }),
];
