/**
 * Terms and infix operators. Operator precedence follows
 * OPA's parser, loosest first: `in`; `== != < > <= >=`; `|`; `&`; `+ -`;
 * `* / %`. A ref continues only when `.`, `[` or `(` follows with no space.
 */
import { RegoError } from '../errors.js';
import { parseNumber } from '../value/number.js';
import type { Body, Loc, Term } from './ast.js';
import { Cursor } from './cursor.js';
import type { TokKind } from './lexer.js';

const MAX_DEPTH = 1000;

const REL_OPS: Partial<Record<TokKind, string>> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '>': 'gt',
  '<=': 'lte',
  '>=': 'gte',
};
const ARITH_OPS: Partial<Record<TokKind, string>> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Partial<Record<TokKind, string>> = { '*': 'mul', '/': 'div', '%': 'rem' };

export const MEMBER_2 = 'internal.member_2';
export const MEMBER_3 = 'internal.member_3';

export function opTerm(name: string, loc: Loc): Term {
  return { type: 'var', name, loc };
}

export function callName(op: Term): string | undefined {
  if (op.type === 'var') return op.name;
  if (op.type !== 'ref') return undefined;
  const h = op.terms[0];
  if (h?.type !== 'var') return undefined;
  let s = h.name;
  for (let i = 1; i < op.terms.length; i++) {
    const p = op.terms[i] as Term;
    if (p.type !== 'string') return undefined;
    s += `.${p.value}`;
  }
  return s;
}

export abstract class TermParser extends Cursor {
  /** Parses `... }` or `... ]` after a comprehension's `|` (see ExprParser). */
  abstract parseBody(end: TokKind): Body;

  private depth = 0;

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('max parsing recursion depth exceeded');
  }

  protected leave(): void {
    this.depth--;
  }

  /** Full infix term, where `k, v in xs` is allowed. */
  parseInfix(keyVal = true): Term {
    this.enter();
    try {
      return this.parseIn(keyVal);
    } finally {
      this.leave();
    }
  }

  private parseIn(keyVal: boolean): Term {
    let lhs = this.parseRelation();
    for (;;) {
      if (keyVal && this.is(',')) {
        const s = this.save();
        this.next();
        let done = false;
        try {
          const mhs = this.parseRelation();
          if (this.isKw('in')) {
            const opLoc = this.loc();
            this.next();
            const rhs = this.parseRelation();
            lhs = { type: 'call', op: opTerm(MEMBER_3, opLoc), args: [lhs, mhs, rhs], loc: lhs.loc };
            done = true;
          }
        } catch (e) {
          if (!RegoError.isRegoError(e)) throw e;
        }
        if (!done) this.restore(s);
        else if (this.isKw('in')) continue;
        else return lhs;
      }
      if (!this.isKw('in')) return lhs;
      const opLoc = this.loc();
      this.next();
      const rhs = this.parseRelation();
      lhs = { type: 'call', op: opTerm(MEMBER_2, opLoc), args: [lhs, rhs], loc: lhs.loc };
    }
  }

  private binary(ops: Partial<Record<TokKind, string>>, operand: () => Term): Term {
    let lhs = operand();
    for (;;) {
      const name = ops[this.tok.kind];
      if (!name) return lhs;
      const opLoc = this.loc();
      this.next();
      const rhs = operand();
      lhs = { type: 'call', op: opTerm(name, opLoc), args: [lhs, rhs], loc: lhs.loc };
    }
  }

  private parseRelation(): Term {
    return this.binary(REL_OPS, () => this.parseOr());
  }

  private parseOr(): Term {
    return this.binary({ '|': 'or' }, () => this.parseAnd());
  }

  private parseAnd(): Term {
    return this.binary({ '&': 'and' }, () => this.parseArith());
  }

  private parseArith(): Term {
    return this.binary(ARITH_OPS, () => this.parseFactor());
  }

  private parseFactor(): Term {
    return this.binary(FACTOR_OPS, () => this.parseTerm());
  }

  parseTerm(): Term {
    this.enter();
    try {
      return this.finishTerm(this.parseTermHead());
    } finally {
      this.leave();
    }
  }

  private parseTermHead(): Term {
    const t = this.tok;
    const loc = this.loc();
    switch (t.kind) {
      case 'number':
      case '-':
        return this.parseNumberTerm();
      case '.':
        if (this.peek().kind === 'number' && !this.peek().ws) return this.parseNumberTerm();
        return this.unexpected();
      case 'string':
        this.next();
        return { type: 'string', value: t.text, loc };
      case '[':
        return this.parseArray();
      case '{':
        return this.parseSetOrObject();
      case '(': {
        this.next();
        const inner = this.parseInfix();
        if (!this.is(')')) this.fail('non-terminated expression');
        this.next();
        return inner;
      }
      case 'ident': {
        if (this.keywords.has(t.text) && t.text !== 'contains' && !this.keywordStartsRef()) {
          if (t.text === 'null') {
            this.next();
            return { type: 'null', loc };
          }
          if (t.text === 'true' || t.text === 'false') {
            this.next();
            return { type: 'boolean', value: t.text === 'true', loc };
          }
          return this.unexpected();
        }
        this.next();
        if (t.text === '_') return { type: 'var', name: this.wildcard(), loc };
        return { type: 'var', name: t.text, loc };
      }
      default:
        return this.unexpected();
    }
  }

  protected parseNumberTerm(): Term {
    const loc = this.loc();
    let prefix = '';
    if (this.is('-')) {
      prefix = '-';
      this.next();
      if (!this.is('number') && !this.is('.')) this.unexpected('expected number');
    }
    if (this.is('.')) {
      prefix += '0.';
      this.next();
      if (!this.is('number') || this.tok.ws) this.unexpected('expected number');
    }
    const lit = this.tok.text;
    if (prefix.endsWith('.') === false && lit.length > 1 && lit[0] === '0') {
      const c = lit[1];
      if (c !== '.' && c !== 'e' && c !== 'E') this.unexpected('expected number without leading zero');
    }
    const text = prefix + lit;
    const value = parseNumber(text);
    if (value === undefined) this.fail(text.length > 20 ? 'number too big' : 'invalid float');
    this.next();
    return { type: 'number', value, loc };
  }

  /** After a term: a ref continues only if `.`, `[` or `(` follow with no whitespace. */
  private finishTerm(head: Term): Term {
    const t = this.tok;
    if ((t.kind === '.' || t.kind === '[' || t.kind === '(') && !t.ws) return this.parseRef(head);
    if (head.type === 'var' && (head.name === 'input' || head.name === 'data')) {
      return { type: 'ref', terms: [head], loc: head.loc };
    }
    return head;
  }

  protected parseRef(head: Term, allowLeadingWs = false): Term {
    switch (head.type) {
      case 'var':
      case 'array':
      case 'object':
      case 'set':
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr':
      case 'call':
        break;
      default:
        this.fail(`illegal ref (head cannot be ${head.type})`);
    }
    const terms: Term[] = [head];
    let first = true;
    for (;;) {
      const t = this.tok;
      if (t.ws && !(first && allowLeadingWs)) break;
      first = false;
      if (t.kind === '.') {
        this.next();
        const k = this.tok;
        if (k.kind !== 'ident' || k.ws) this.unexpected('expected ident');
        this.next();
        terms.push({ type: 'string', value: k.text, loc: this.loc(k) });
      } else if (t.kind === '[') {
        this.next();
        const key = this.parseInfix();
        if (!this.is(']')) this.unexpected('expected ]');
        this.next();
        terms.push(key);
      } else if (t.kind === '(') {
        const op: Term = terms.length === 1 ? head : { type: 'ref', terms, loc: head.loc };
        const call = this.parseCall(op);
        const n = this.tok;
        if ((n.kind === '.' || n.kind === '[') && !n.ws) return this.parseRef(call);
        return call;
      } else {
        break;
      }
    }
    return { type: 'ref', terms, loc: head.loc };
  }

  private parseCall(op: Term): Term {
    this.next(); // (
    if (this.is(')')) {
      this.next();
      if (op.type === 'var' && op.name === 'set') return { type: 'set', items: [], loc: op.loc };
      return { type: 'call', op, args: [], loc: op.loc };
    }
    const args = this.parseTermList(')');
    return { type: 'call', op, args, loc: op.loc };
  }

  private parseTermList(end: TokKind, first?: Term[]): Term[] {
    const out = first ?? [];
    if (this.is(end)) {
      this.next();
      return out;
    }
    for (;;) {
      out.push(this.parseInfix(false));
      if (this.is(end)) {
        this.next();
        return out;
      }
      if (!this.is(',')) this.unexpected(`expected "," or "${end}"`);
      this.next();
      if (this.is(end)) {
        this.next();
        return out;
      }
    }
  }

  private parseArray(): Term {
    const loc = this.loc();
    this.next(); // [
    if (this.is(']')) {
      this.next();
      return { type: 'array', items: [], loc };
    }
    let potentialCompr = true;
    if (this.is(',')) {
      potentialCompr = false;
      this.next();
    }
    const s = this.save();
    const head = this.parseTerm();
    if (this.is(']')) {
      this.next();
      return { type: 'array', items: [head], loc };
    }
    if (this.is(',')) {
      this.next();
      return { type: 'array', items: this.parseTermList(']', [head]), loc };
    }
    if (this.is('|') && potentialCompr) {
      this.next();
      try {
        const body = this.parseBody(']');
        return { type: 'arraycompr', head, body, loc };
      } catch (e) {
        // `[a | b, c]` is an array holding `a | b`: retry as a plain array.
        if (!RegoError.isRegoError(e)) throw e;
        this.restore(s);
        return this.orRethrow(e, () => ({ type: 'array', items: this.parseTermList(']'), loc }));
      }
    }
    this.restore(s);
    return { type: 'array', items: this.parseTermList(']'), loc };
  }

  /** Tries an alternative parse; if it fails too, the first error is the one to report. */
  private orRethrow(first: unknown, alt: () => Term): Term {
    try {
      return alt();
    } catch {
      throw first;
    }
  }

  private parseSetOrObject(): Term {
    const loc = this.loc();
    this.next(); // {
    if (this.is('}')) {
      this.next();
      return { type: 'object', entries: [], loc };
    }
    let potentialCompr = true;
    if (this.is(',')) {
      potentialCompr = false;
      this.next();
    }
    const s = this.save();
    let head = this.parseTerm();
    if (this.is('|') && potentialCompr) return this.parseSet(s, head, true, loc);
    if (this.is('}') || this.is(',')) return this.parseSet(s, head, potentialCompr, loc);
    if (this.is(':')) return this.parseObject(head, potentialCompr, loc);
    this.restore(s);
    head = this.parseInfix(false);
    if (this.is('}') || this.is(',')) return this.parseSet(s, head, false, loc);
    if (this.is(':')) return this.parseObject(head, potentialCompr, loc);
    return this.unexpected('non-terminated set');
  }

  private parseSet(s: number, head: Term, potentialCompr: boolean, loc: Loc): Term {
    if (this.is('}')) {
      this.next();
      return { type: 'set', items: [head], loc };
    }
    if (this.is(',')) {
      this.next();
      return { type: 'set', items: this.parseTermList('}', [head]), loc };
    }
    // '|'
    if (potentialCompr) {
      this.next();
      try {
        const body = this.parseBody('}');
        return { type: 'setcompr', head, body, loc };
      } catch (e) {
        if (!RegoError.isRegoError(e)) throw e;
        this.restore(s);
        return this.orRethrow(e, () => ({ type: 'set', items: this.parseTermList('}'), loc }));
      }
    }
    this.restore(s);
    return { type: 'set', items: this.parseTermList('}'), loc };
  }

  private parseObject(key: Term, potentialCompr: boolean, loc: Loc): Term {
    this.next(); // :
    const s = this.save();
    const v = this.parseTerm();
    if (potentialCompr && this.is('|')) {
      this.next();
      const body = this.parseBody('}');
      return { type: 'objectcompr', key, value: v, body, loc };
    }
    if (this.is('}') || this.is(',')) return this.finishObject(key, v, loc);
    this.restore(s);
    const value = this.parseInfix(false);
    if (this.is('}') || this.is(',')) return this.finishObject(key, value, loc);
    return this.unexpected('non-terminated object');
  }

  private finishObject(key: Term, value: Term, loc: Loc): Term {
    const entries: [Term, Term][] = [[key, value]];
    if (this.is('}')) {
      this.next();
      return { type: 'object', entries, loc };
    }
    this.next(); // ,
    while (!this.is('}')) {
      const k = this.parseInfix(false);
      if (!this.is(':')) this.unexpected('expected ":"');
      this.next();
      const v = this.parseInfix(false);
      entries.push([k, v]);
      if (this.is('}')) break;
      if (!this.is(',')) this.unexpected('expected "," or "}"');
      this.next();
    }
    this.next();
    return { type: 'object', entries, loc };
  }
}
