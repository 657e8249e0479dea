/**
 * Token cursor shared by the term and module parsers: position, backtracking,
 * the module's current keyword set, and parse errors with locations.
 */
import { RegoError } from '../errors.js';
import type { Loc } from './ast.js';
import type { Token, TokKind } from './lexer.js';

/** Words that are keywords in every version of Rego. */
export const BASE_KEYWORDS = [
  'package',
  'import',
  'as',
  'default',
  'else',
  'not',
  'with',
  'some',
  'true',
  'false',
  'null',
] as const;

/** Keywords that v0 modules get only through `import future.keywords` or `import rego.v1`. */
export const FUTURE_KEYWORDS = ['in', 'every', 'contains', 'if'] as const;

export class Cursor {
  protected pos = 0;
  protected readonly keywords: Set<string>;
  private wildcards = 0;

  constructor(
    protected readonly toks: Token[],
    protected readonly file: string,
    keywords: Iterable<string>,
  ) {
    this.keywords = new Set(keywords);
  }

  protected get tok(): Token {
    return this.toks[this.pos] as Token;
  }

  protected peek(n = 1): Token {
    return (this.toks[this.pos + n] ?? this.toks[this.toks.length - 1]) as Token;
  }

  protected next(): Token {
    const t = this.tok;
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  protected is(kind: TokKind): boolean {
    return this.tok.kind === kind;
  }

  /** True when the current token is the keyword `word` (given the module's imports). */
  protected isKw(word: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && t.text === word && this.keywords.has(word);
  }

  protected isKeywordToken(t: Token): boolean {
    return t.kind === 'ident' && this.keywords.has(t.text);
  }

  /** A keyword directly followed by `.` or `[` starts a ref (`input.in`, `every[0]` are fine). */
  protected keywordStartsRef(): boolean {
    const n = this.peek();
    return (n.kind === '.' || n.kind === '[') && !n.ws;
  }

  protected loc(t: Token = this.tok): Loc {
    return { file: this.file, row: t.row, col: t.col };
  }

  protected save(): number {
    return this.pos;
  }

  protected restore(p: number): void {
    this.pos = p;
  }

  protected wildcard(): string {
    return `$${this.wildcards++}`;
  }

  protected fail(message: string, t: Token = this.tok): never {
    throw RegoError.one('rego_parse_error', message, this.loc(t));
  }

  /** OPA's "unexpected X token: note" message. */
  protected unexpected(note?: string, t: Token = this.tok): never {
    const what =
      t.kind === 'eof'
        ? 'eof token'
        : t.kind === 'ident'
          ? this.isKeywordToken(t)
            ? `${t.text} keyword`
            : 'ident token'
          : t.kind === 'string'
            ? 'string token'
            : t.kind === 'number'
              ? 'number token'
              : `${t.kind} token`;
    this.fail(note ? `unexpected ${what}: ${note}` : `unexpected ${what}`, t);
  }

  protected expect(kind: TokKind, note?: string): Token {
    if (this.tok.kind !== kind) this.unexpected(note ?? `expected ${kind}`);
    return this.next();
  }
}
