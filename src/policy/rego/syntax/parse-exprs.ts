/**
 * Expressions, literals (`not`, `some`, `every`, `with`) and bodies, on top of
 * the term parser. A body's literals are separated by `;` or newlines.
 */

import { RegoError } from '../errors.js';
import type { Body, Expr, ExprBody, Loc, Term, With } from './ast.js';
import type { TokKind } from './lexer.js';
import { callName, MEMBER_2, MEMBER_3, opTerm, TermParser } from './parse-terms.js';

export class ExprParser extends TermParser {
  /** `{ ... }` contents up to `end` (the caller has consumed the opening token). */
  parseBody(end: TokKind): Body {
    this.enter();
    try {
      const body = this.parseQuery(end);
      this.next(); // end
      return body;
    } finally {
      this.leave();
    }
  }

  /** Literals separated by `;` or newlines, up to (not consuming) `end`. */
  parseQuery(end: TokKind): Body {
    if (this.is(end)) this.fail('found empty body');
    const body: Body = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (this.is(';')) {
        this.next();
        if (this.is(end)) return body;
        continue;
      }
      if (this.is(end)) return body;
      if (!this.tok.nl) this.unexpected(`expected \\n or ; or ${end === 'eof' ? 'EOF' : end}`);
    }
  }

  parseLiteral(): Expr {
    const start = this.tok;
    const e = this.parseLiteralInner();
    const last = this.toks[this.pos - 1];
    if (last) e.span = [start.offset, last.end];
    return e;
  }

  private parseLiteralInner(): Expr {
    const start = this.tok;
    const loc = this.loc(start);
    if (this.isKeywordToken(start) && this.keywordStartsRef()) return this.parseLiteralExpr(false, loc);
    let negated = false;
    if (this.isKw('not')) {
      negated = true;
      this.next();
    }
    if (this.isKw('some')) {
      if (negated) this.unexpected("illegal negation of 'some'");
      return this.parseSome(loc);
    }
    if (this.isKw('every')) {
      if (negated) this.unexpected("illegal negation of 'every'");
      return this.parseEvery(loc);
    }
    return this.parseLiteralExpr(negated, loc);
  }

  private parseLiteralExpr(negated: boolean, loc: Loc): Expr {
    const body = this.parseExprBody();
    return { body, negated, with: this.parseWiths(), loc };
  }

  private parseExprBody(): ExprBody {
    const lhs = this.parseInfix();
    if (this.is(':=') || this.is('=')) {
      const op = opTerm(this.is(':=') ? 'assign' : 'eq', this.loc());
      this.next();
      const rhs = this.parseInfix();
      return { kind: 'call', op, args: [lhs, rhs] };
    }
    if (lhs.type === 'call') return { kind: 'call', op: lhs.op, args: lhs.args };
    return { kind: 'term', term: lhs };
  }

  private parseWiths(): With[] {
    const out: With[] = [];
    while (this.isKw('with')) {
      const loc = this.loc();
      this.next();
      if (this.tok.kind !== 'ident') this.unexpected('expected ident');
      const target = this.parseTerm();
      if (target.type !== 'ref' && target.type !== 'var') this.unexpected('expected with target path');
      if (!this.isKw('as')) this.unexpected('expected as keyword');
      this.next();
      const value = this.parseInfix();
      out.push({ target, value, loc });
    }
    return out;
  }

  private parseSome(loc: Loc): Expr {
    const s = this.save();
    this.next(); // some
    try {
      const t = this.parseInfix();
      if (t.type === 'call') {
        const name = callName(t.op);
        if (name === MEMBER_2 || name === MEMBER_3) {
          const [a, b, c] = t.args as [Term, Term, Term | undefined];
          const body: ExprBody =
            name === MEMBER_2
              ? { kind: 'somein', key: undefined, value: a, domain: b }
              : { kind: 'somein', key: a, value: b, domain: c as Term };
          return { body, negated: false, with: this.parseWiths(), loc };
        }
        if (this.keywords.has('in')) this.unexpected('expected `x in xs` or `x, y in xs` expression');
      }
    } catch (e) {
      if (!RegoError.isRegoError(e)) throw e;
    }
    this.restore(s);
    const vars: Term[] = [];
    for (;;) {
      this.next(); // some or ,
      const t = this.tok;
      if (t.kind !== 'ident' || this.isKeywordToken(t)) this.unexpected('expected var');
      this.next();
      vars.push({ type: 'var', name: t.text === '_' ? this.wildcard() : t.text, loc: this.loc(t) });
      if (!this.is(',')) break;
    }
    return { body: { kind: 'some', vars }, negated: false, with: [], loc };
  }

  private parseEvery(loc: Loc): Expr {
    this.next(); // every
    const t = this.parseInfix();
    const name = t.type === 'call' ? callName(t.op) : undefined;
    if (t.type !== 'call' || (name !== MEMBER_2 && name !== MEMBER_3)) {
      this.unexpected('expected `x[, y] in xs { ... }` expression');
    }
    const args = t.args;
    const key = name === MEMBER_3 ? args[0] : undefined;
    const value = (name === MEMBER_3 ? args[1] : args[0]) as Term;
    const domain = (name === MEMBER_3 ? args[2] : args[1]) as Term;
    if (key && key.type !== 'var') this.fail('unexpected term: expected key to be a variable', this.tok);
    if (value.type !== 'var') this.fail('unexpected term: expected value to be a variable', this.tok);
    if (!this.is('{')) this.unexpected('missing body');
    this.next();
    const body = this.parseBody('}');
    return {
      body: { kind: 'every', key, value, domain, body },
      negated: false,
      with: this.parseWiths(),
      loc,
    };
  }
}
