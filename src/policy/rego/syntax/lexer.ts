/**
 * Tokeniser for Rego. Whitespace is not a token: instead each token records
 * whether whitespace (`ws`) or a newline (`nl`) came before it, which is all the
 * grammar needs (refs continue only without whitespace; newlines separate
 * expressions). Keywords are plain identifiers here because which words are
 * keywords depends on the module's imports; the parser decides.
 */
import { RegoError } from '../errors.js';

export type TokKind =
  | 'ident'
  | 'number'
  | 'string'
  | 'eof'
  | '.'
  | ','
  | ';'
  | ':'
  | '['
  | ']'
  | '{'
  | '}'
  | '('
  | ')'
  | '='
  | ':='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '&'
  | '|';

export interface Token {
  kind: TokKind;
  /** Identifier or number text; for strings the decoded value. */
  text: string;
  row: number;
  col: number;
  offset: number;
  end: number;
  /** Whitespace or a comment precedes the token. */
  ws: boolean;
  /** A newline precedes the token (since the previous token). */
  nl: boolean;
  /** Raw (backquoted) string. */
  raw?: boolean;
}

const PUNCT: Record<string, TokKind> = {
  '.': '.',
  ',': ',',
  ';': ';',
  '[': '[',
  ']': ']',
  '{': '{',
  '}': '}',
  '(': '(',
  ')': ')',
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
  '&': '&',
  '|': '|',
};

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Splits source into tokens; throws a rego_parse_error on malformed input. */
export function tokenize(src: string, file: string): Token[] {
  const toks: Token[] = [];
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  let row = 1;
  let lineStart = 0;
  let ws = false;
  let nl = false;
  const n = src.length;

  const fail = (msg: string, at: number): never => {
    throw RegoError.one('rego_parse_error', msg, { file, row, col: at - lineStart + 1 });
  };

  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      ws = nl = true;
      i++;
      row++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      ws = true;
      i++;
      continue;
    }
    if (c === 35) {
      // comment to end of line
      while (i < n && src.charCodeAt(i) !== 10) i++;
      ws = true;
      continue;
    }
    if (c === 0) fail('illegal null character', i);
    const start = i;
    const tok = (kind: TokKind, text: string, end: number, raw?: boolean): void => {
      const t: Token = { kind, text, row, col: start - lineStart + 1, offset: start, end, ws, nl };
      if (raw) t.raw = true;
      toks.push(t);
      ws = nl = false;
      i = end;
    };
    if (isLetter(c)) {
      let j = i + 1;
      while (j < n && (isLetter(src.charCodeAt(j)) || isDigit(src.charCodeAt(j)))) j++;
      tok('ident', src.slice(i, j), j);
      continue;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < n && isDigit(src.charCodeAt(j))) j++;
      if (src.charCodeAt(j) === 46 /* . */) {
        j++;
        const f = j;
        while (j < n && isDigit(src.charCodeAt(j))) j++;
        if (j === f) fail('expected fraction', j);
      }
      if ((src.charCodeAt(j) | 32) === 101 /* e */) {
        j++;
        if (src[j] === '+' || src[j] === '-') j++;
        const e = j;
        while (j < n && isDigit(src.charCodeAt(j))) j++;
        if (j === e) fail('expected exponent', j);
      }
      if (j < n && isLetter(src.charCodeAt(j))) fail('illegal number format', j);
      tok('number', src.slice(i, j), j);
      continue;
    }
    if (c === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        if (j >= n || src.charCodeAt(j) === 10) fail('non-terminated string', j);
        const d = src.charCodeAt(j);
        if (d === 34) break;
        if (d === 92) {
          escaped = true;
          const e = src[j + 1];
          if (e === 'u') {
            if (!/^[0-9a-fA-F]{4}$/.test(src.slice(j + 2, j + 6))) fail('illegal escape sequence', j);
            j += 6;
            continue;
          }
          if (e === undefined || !'\\"/bfnrt'.includes(e)) fail('illegal escape sequence', j);
          j += 2;
          continue;
        }
        j++;
      }
      const lit = src.slice(i, j + 1);
      let text = lit.slice(1, -1);
      if (escaped) {
        try {
          text = JSON.parse(lit) as string;
        } catch {
          fail(`illegal string literal: ${lit}`, i);
        }
      }
      tok('string', text, j + 1);
      continue;
    }
    if (c === 96 /* ` */) {
      const j = src.indexOf('`', i + 1);
      if (j < 0) fail('non-terminated string', n);
      const text = src.slice(i + 1, j);
      const startRow = row;
      for (let k = i; k < j; k++) {
        if (src.charCodeAt(k) === 10) {
          row++;
          lineStart = k + 1;
        }
      }
      const t: Token = {
        kind: 'string',
        text,
        row: startRow,
        col: 0,
        offset: start,
        end: j + 1,
        ws,
        nl,
        raw: true,
      };
      // Column of the opening quote on its own line.
      t.col = start - src.lastIndexOf('\n', start - 1);
      toks.push(t);
      ws = nl = false;
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    switch (two) {
      case ':=':
      case '==':
      case '!=':
      case '<=':
      case '>=':
        tok(two, two, i + 2);
        continue;
    }
    const ch = src[i] as string;
    if (ch === '=' || ch === '<' || ch === '>' || ch === ':') {
      tok(ch, ch, i + 1);
      continue;
    }
    const p = PUNCT[ch];
    if (p) {
      tok(p, ch, i + 1);
      continue;
    }
    if (ch === '!') fail('illegal ! character', i);
    fail(`illegal token ${JSON.stringify(String.fromCodePoint(src.codePointAt(i) ?? c))}`, i);
  }
  toks.push({ kind: 'eof', text: '', row, col: i - lineStart + 1, offset: n, end: n, ws, nl });
  return toks;
}
