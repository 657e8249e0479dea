/**
 * Modules: package, imports and rules, in v0 or v1 syntax. v1 (and v0 with
 * `import rego.v1`) requires `if` before rule bodies and `contains` for
 * multi-value rules; v0 knows `in`, `every`, `contains` and `if` only through
 * `import future.keywords`. In `auto` mode a module is v1 when it imports
 * rego.v1, else v0 when it parses as v0, else v1 — so both Gatekeeper's v0
 * library and OPA 1.x policies load without flags.
 */
import { RegoError } from '../errors.js';
import type { Body, Expr, Import, Loc, Module, RegoVersion, Rule, RuleHead, Term } from './ast.js';
import { BASE_KEYWORDS, FUTURE_KEYWORDS } from './cursor.js';
import { type Token, tokenize } from './lexer.js';
import { ExprParser } from './parse-exprs.js';

function trueExpr(loc: Loc): Expr {
  return {
    body: { kind: 'term', term: { type: 'boolean', value: true, loc } },
    negated: false,
    with: [],
    loc,
  };
}

function isGroundTerm(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isGroundTerm);
    case 'object':
      return t.entries.every(([k, v]) => isGroundTerm(k) && isGroundTerm(v));
    default:
      return false;
  }
}

function containsVarRefOrCall(t: Term): string | undefined {
  switch (t.type) {
    case 'var':
      return 'var';
    case 'ref':
      return 'ref';
    case 'call':
      return 'call';
    case 'array':
    case 'set':
      for (const x of t.items) {
        const r = containsVarRefOrCall(x);
        if (r) return r;
      }
      return undefined;
    case 'object':
      for (const [k, v] of t.entries) {
        const r = containsVarRefOrCall(k) ?? containsVarRefOrCall(v);
        if (r) return r;
      }
      return undefined;
    default:
      return undefined;
  }
}

class ModuleParser extends ExprParser {
  /** v1 syntax rules apply (v1 module, or v0 with `import rego.v1`). */
  private v1Syntax: boolean;

  constructor(
    toks: Token[],
    file: string,
    private readonly version: RegoVersion,
  ) {
    super(toks, file, version === 'v1' ? [...BASE_KEYWORDS, ...FUTURE_KEYWORDS] : BASE_KEYWORDS);
    this.v1Syntax = version === 'v1';
  }

  parseModule(): Module {
    if (!this.isKw('package')) this.fail('package expected');
    const pkgLoc = this.loc();
    const pkg = this.parsePackage();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (!this.is('eof')) {
      if (this.isKw('import') && !this.keywordStartsRef()) {
        imports.push(this.parseImport());
        continue;
      }
      if (this.isKw('package') && !this.keywordStartsRef()) this.unexpected('expected rule');
      for (const r of this.parseRules()) rules.push(r);
    }
    const regoVersion: RegoVersion = this.v1Syntax ? 'v1' : 'v0';
    return { file: this.file, pkg, pkgLoc, imports, rules, regoVersion };
  }

  private parsePackage(): string[] {
    this.next();
    const t = this.parseTerm();
    const path = this.pathOf(t);
    if (!path) this.fail('unexpected term: expected package path', this.tok);
    const head = t.type === 'ref' ? t.terms[0] : t;
    if (head?.type === 'var' && head.name === 'data') path.shift();
    if (path.length === 0) this.fail('package path must not be empty');
    return path;
  }

  /** ["a", "b"] for `a.b` or `a["b"]`; undefined when not a plain path. */
  private pathOf(t: Term): string[] | undefined {
    if (t.type === 'var') return [t.name];
    if (t.type !== 'ref') return undefined;
    const out: string[] = [];
    for (const [i, p] of t.terms.entries()) {
      if (i === 0) {
        if (p.type !== 'var') return undefined;
        out.push(p.name);
      } else {
        if (p.type !== 'string') return undefined;
        out.push(p.value);
      }
    }
    return out;
  }

  private parseImport(): Import {
    const loc = this.loc();
    this.next();
    const t = this.parseTerm();
    const path = this.pathOf(t);
    if (!path) this.fail('unexpected term: expected import path', this.tok);
    const root = path[0];
    if (root !== 'data' && root !== 'input' && root !== 'future' && root !== 'rego') {
      this.fail(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root}`);
    }
    let alias: string | undefined;
    if (this.isKw('as')) {
      this.next();
      const a = this.tok;
      if (a.kind !== 'ident' || this.isKeywordToken(a)) this.unexpected('expected var');
      this.next();
      alias = a.text;
    }
    if (root === 'future') this.futureImport(path, alias, loc);
    if (root === 'rego') this.regoImport(path, alias, loc);
    return { path, alias, loc };
  }

  private futureImport(path: string[], alias: string | undefined, loc: Loc): void {
    if (path.length === 1 || path[1] !== 'keywords') this.fail('invalid import, must be `future.keywords`');
    if (alias) this.fail('`future` imports cannot be aliased');
    if (path.length > 3)
      this.fail('invalid import, must be `future.keywords.x`, e.g. `import future.keywords.in`');
    const kw = path[2];
    if (kw === undefined) {
      for (const k of FUTURE_KEYWORDS) this.keywords.add(k);
      return;
    }
    if (!(FUTURE_KEYWORDS as readonly string[]).includes(kw)) {
      throw RegoError.one(
        'rego_parse_error',
        'unexpected keyword, must be one of [contains every if in]',
        loc,
      );
    }
    this.keywords.add(kw);
    if (kw === 'every') this.keywords.add('in');
  }

  private regoImport(path: string[], alias: string | undefined, loc: Loc): void {
    if (path.length !== 2 || path[1] !== 'v1') {
      throw RegoError.one(
        'rego_parse_error',
        `invalid import \`${path.join('.')}\`, must be \`rego.v1\``,
        loc,
      );
    }
    if (this.version === 'v1') return;
    if (alias) this.fail('`rego` imports cannot be aliased');
    for (const k of FUTURE_KEYWORDS) this.keywords.add(k);
    this.v1Syntax = true;
  }

  private parseRules(): Rule[] {
    const loc = this.loc();
    let isDefault = false;
    if (this.isKw('default') && !this.keywordStartsRef()) {
      isDefault = true;
      this.next();
    }
    const t = this.tok;
    if (t.kind !== 'ident' || (this.isKeywordToken(t) && !this.keywordStartsRef()))
      this.unexpected('expected rule');
    const head = this.parseHead(isDefault, loc);
    if (isDefault) return [this.finishDefault(head, loc)];

    const ref = head.ref;
    const hasIf = this.isKw('if');
    if (hasIf && !head.contains && ref.length === 2 && !head.value && !head.args) {
      head.value = { type: 'boolean', value: true, loc: head.loc };
      head.generatedValue = true;
    }
    if (!hasIf && !head.contains && !head.args && ref.length === 2 && !head.value) {
      // v0 `p[x] { ... }`: a multi-value rule p with element x.
      head.key = ref[1];
      head.ref = [ref[0] as Term];
    }
    let body: Body;
    let generatedBody = false;
    if (hasIf) {
      this.next();
      body = this.parseIfBody();
    } else if (this.is('{')) {
      if (this.v1Syntax) this.fail('`if` keyword is required before rule body');
      this.next();
      body = this.parseBody('}');
    } else if (
      head.contains ||
      (head.value && !head.generatedValue) ||
      head.key ||
      head.args ||
      (ref.length > 1 && !this.v1Syntax)
    ) {
      body = [trueExpr(head.loc)];
      generatedBody = true;
    } else {
      return this.fail('rule must have a body or assignment', t);
    }
    if (this.v1Syntax && head.key && !head.value && !head.contains) {
      this.fail('`contains` keyword is required for partial set rules', t);
    }
    const rule: Rule = { default: false, head, body, else: undefined, loc, generatedBody };
    if (this.isKw('else') && !this.keywordStartsRef()) {
      if (head.ref.slice(1).some((p) => !isGroundTerm(p))) {
        this.fail('else keyword cannot be used on rules with variables in head');
      }
      if (head.key && !head.value) this.fail('else keyword cannot be used on multi-value rules');
      rule.else = this.parseElse(head);
    }
    const rules = [rule];
    while (this.is('{') && !generatedBody) {
      if (rule.else) this.unexpected('expected else keyword');
      if (this.v1Syntax) this.fail('`if` keyword is required before rule body');
      const bloc = this.loc();
      this.next();
      const more = this.parseBody('}');
      rules.push({
        default: false,
        head: this.copyHead(head),
        body: more,
        else: undefined,
        loc: bloc,
        generatedBody,
      });
    }
    return rules;
  }

  /** After `if`: a single literal, or a `{ ... }` body (a set literal is never a body). */
  private parseIfBody(): Body {
    const s = this.save();
    if (!this.is('{')) return [this.parseLiteral()];
    try {
      const e = this.parseLiteral();
      const isSet = e.body.kind === 'term' && e.body.term.type === 'set';
      if (!isSet) return [e];
    } catch (err) {
      if (!RegoError.isRegoError(err)) throw err;
    }
    this.restore(s);
    this.next();
    return this.parseBody('}');
  }

  private finishDefault(head: RuleHead, loc: Loc): Rule {
    if (!head.value || head.generatedValue) this.fail('illegal default rule (must have a value)');
    const bad = containsVarRefOrCall(head.value as Term);
    if (bad)
      throw RegoError.one('rego_parse_error', `illegal default rule (value cannot contain ${bad})`, loc);
    if (head.args) {
      const seen = new Set<string>();
      for (const a of head.args) {
        if (a.type !== 'var') {
          throw RegoError.one(
            'rego_parse_error',
            `illegal default rule (arguments cannot contain ${a.type})`,
            loc,
          );
        }
        if (seen.has(a.name)) {
          throw RegoError.one(
            'rego_parse_error',
            `illegal default rule (arguments cannot be repeated ${a.name})`,
            loc,
          );
        }
        if (!a.name.startsWith('$')) seen.add(a.name);
      }
    }
    return { default: true, head, body: [trueExpr(loc)], else: undefined, loc, generatedBody: true };
  }

  private copyHead(h: RuleHead): RuleHead {
    const args = h.args?.map((a) =>
      a.type === 'var' && a.name.startsWith('$') ? { ...a, name: this.wildcard() } : a,
    );
    return { ...h, args };
  }

  private parseElse(head: RuleHead): Rule {
    const loc = this.loc();
    this.next(); // else
    const h: RuleHead = { ...this.copyHead(head), generatedValue: false, loc };
    if (this.is('{') || this.isKw('if')) {
      h.value = { type: 'boolean', value: true, loc };
      h.generatedValue = true;
    } else if (this.is(':=') || this.is('=')) {
      h.assign = this.is(':=');
      this.next();
      h.value = this.parseInfix();
    } else {
      this.unexpected('expected else value term or rule body');
    }
    let body: Body;
    let generatedBody = false;
    if (!this.isKw('if') && !this.is('{')) {
      body = [trueExpr(loc)];
      generatedBody = true;
    } else {
      if (this.isKw('if')) {
        this.next();
        body = this.parseIfBody();
      } else {
        if (this.v1Syntax) this.fail('`if` keyword is required before rule body');
        this.next();
        body = this.parseBody('}');
      }
    }
    const rule: Rule = { default: false, head: h, body, else: undefined, loc, generatedBody };
    if (this.isKw('else') && !this.keywordStartsRef()) rule.else = this.parseElse(head);
    return rule;
  }

  private parseHead(isDefault: boolean, loc: Loc): RuleHead {
    const nameTok = this.next();
    let term: Term = { type: 'var', name: nameTok.text, loc: this.loc(nameTok) };
    const t = this.tok;
    if (['+', '-', '*', '/', '%', '&', '|', '==', '!=', '<', '>', '<=', '>='].includes(t.kind))
      this.unexpected();
    if (t.kind === '(' || t.kind === '.' || t.kind === '[') term = this.parseRef(term, true);
    const head: RuleHead = {
      ref: [],
      args: undefined,
      key: undefined,
      value: undefined,
      assign: false,
      generatedValue: false,
      contains: false,
      loc,
    };
    if (term.type === 'var') head.ref = [term];
    else if (term.type === 'ref') head.ref = term.terms;
    else if (term.type === 'call') {
      const op = term.op;
      if (op.type === 'var') head.ref = [op];
      else if (op.type === 'ref' && op.terms[0]?.type === 'var') head.ref = op.terms;
      else this.fail('rule head ref invalid');
      head.args = term.args;
    } else {
      this.unexpected('expected rule head name');
    }
    if (head.ref[0]?.type !== 'var') this.fail('rule head ref invalid');
    if (this.isKw('contains')) {
      if (head.args)
        this.unexpected('the contains keyword can only be used with multi-value rule definitions');
      this.next();
      head.key = this.parseInfix();
      head.contains = true;
      return head;
    }
    if (this.is('=') || this.is(':=')) {
      head.assign = this.is(':=');
      this.next();
      head.value = this.parseInfix();
    }
    if (!head.value && !head.key && (head.ref.length !== 2 || head.args)) {
      if (isDefault) this.fail('illegal default rule (must have a value)');
      head.generatedValue = true;
      head.value = { type: 'boolean', value: true, loc };
    }
    return head;
  }
}

/** Parses one module in the given syntax version. */
export function parseModuleVersion(file: string, src: string, version: RegoVersion): Module {
  return new ModuleParser(tokenize(src, file), file, version).parseModule();
}

const V0_ONLY_HINT = /`if` keyword is required|`contains` keyword is required/;

/** Parses a module, picking v0 or v1 as described above when `version` is 'auto'. */
export function parseModule(file: string, src: string, version: RegoVersion | 'auto' = 'auto'): Module {
  if (version !== 'auto') return parseModuleVersion(file, src, version);
  const toks = tokenize(src, file);
  // Imports settle it: rego.v1 means v1 rules; future.keywords means a v0 module.
  if (/^\s*import\s+(rego\.v1|future\.keywords)\b/m.test(src)) {
    return new ModuleParser(toks, file, 'v0').parseModule();
  }
  let v1Error: RegoError;
  try {
    const m = new ModuleParser(toks, file, 'v1').parseModule();
    // Valid in both syntaxes: keep v1's reading but v0's more lenient compile checks,
    // since nothing in the text says the author meant v1.
    if (parsesAsV0(toks, file)) m.regoVersion = 'v0';
    return m;
  } catch (e) {
    if (!RegoError.isRegoError(e)) throw e;
    v1Error = e;
  }
  try {
    return new ModuleParser(toks, file, 'v0').parseModule();
  } catch (e) {
    if (!RegoError.isRegoError(e)) throw e;
    throw V0_ONLY_HINT.test(v1Error.message) ? e : v1Error;
  }
}

function parsesAsV0(toks: Token[], file: string): boolean {
  try {
    new ModuleParser(toks, file, 'v0').parseModule();
    return true;
  } catch (e) {
    if (!RegoError.isRegoError(e)) throw e;
    return false;
  }
}

/** Parses a query: literals separated by newlines or `;`, with all v1 keywords. */
export function parseQuery(src: string, file = ''): Body {
  const p = new ExprParser(tokenize(src, file), file, [...BASE_KEYWORDS, ...FUTURE_KEYWORDS]);
  return p.parseQuery('eof');
}
