import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, type EvalOptions, RegoError } from '../../src/policy/rego/index.js';

function compileError(src: string): RegoError {
  try {
    compile([{ path: 'bad.rego', source: src }]);
  } catch (e) {
    assert.ok(RegoError.isRegoError(e), String(e));
    return e;
  }
  assert.fail(`expected a compile error for:\n${src}`);
}

function evalError(src: string, ref: string, opts?: EvalOptions): RegoError {
  const p = compile([{ path: 'bad.rego', source: src }]);
  try {
    p.evalRef(ref, opts);
  } catch (e) {
    assert.ok(RegoError.isRegoError(e), String(e));
    return e;
  }
  assert.fail('expected an evaluation error');
}

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('bad input', () => {
  it('rejects recursion at compile time, with the cycle', () => {
    const e = compileError('package r\np { p }');
    assert.equal(e.regoCode, 'rego_recursion_error');
    assert.match(e.message, /rule data\.r\.p is recursive: data\.r\.p -> data\.r\.p/);
    const mutual = compileError('package r\nimport rego.v1\na if b\nb if c\nc if a');
    assert.equal(mutual.regoCode, 'rego_recursion_error');
    const viaFn = compileError('package r\nimport rego.v1\nf(x) := y if y := f(x)');
    assert.equal(viaFn.regoCode, 'rego_recursion_error');
  });

  it('names unsafe variables with their location', () => {
    const e = compileError('package u\nimport rego.v1\np if {\n  x > 1\n}');
    assert.equal(e.regoCode, 'rego_unsafe_var_error');
    assert.match(e.message, /var x is unsafe/);
    assert.equal(e.location?.row, 4);
    assert.equal(
      compileError('package u\nimport rego.v1\np if not q[x]\nq contains 1').regoCode,
      'rego_unsafe_var_error',
    );
    assert.equal(compileError('package u\nimport rego.v1\np := y').regoCode, 'rego_unsafe_var_error');
  });

  it('reports compile errors of other kinds', () => {
    assert.equal(compileError('package c\nimport rego.v1\np := 1\np contains 2').regoCode, 'rego_type_error');
    assert.equal(compileError('package c\nimport rego.v1\nx := nosuch(1)').regoCode, 'rego_type_error');
    assert.equal(compileError('package c\nimport rego.v1\nx := count(1, 2, 3)').regoCode, 'rego_type_error');
    assert.equal(
      compileError('package c\nimport rego.v1\np if { x := 1; x := 2 }').regoCode,
      'rego_compile_error',
    );
    assert.equal(compileError('package c\nimport rego.v1\np if [a, b] := [1]').regoCode, 'rego_type_error');
    const e = compileError('package c\nimport rego.v1\ndefault p := 1\ndefault p := 2');
    assert.match(e.message, /multiple default rules/);
    assert.equal(e.code, 'EW_INVALID');
  });

  it('reports conflicting complete rules', () => {
    const e = evalError('package c\nimport rego.v1\np := 1\np := 2 if true', 'data.c.p');
    assert.equal(e.regoCode, 'eval_conflict_error');
    assert.match(e.message, /complete rules must not produce multiple outputs/);
  });

  it('survives deeply nested data: a clear error, not a crash', () => {
    const p = compile([
      {
        path: 'd.rego',
        source: 'package d\nimport rego.v1\nleaves contains v if { walk(input, [_, v]); is_string(v) }',
      },
    ]);
    assert.deepEqual(p.evalRef('data.d.leaves', { input: nested(200) }), ['leaf']);
    assert.throws(
      () => p.evalRef('data.d.leaves', { input: nested(100_000) }),
      (e: unknown) => RegoError.isRegoError(e) && /nests deeper|nested too deeply/.test(e.message),
    );
    const deepArray: unknown[] = [];
    let cur = deepArray;
    for (let i = 0; i < 50_000; i++) {
      const next: unknown[] = [];
      cur.push(next);
      cur = next;
    }
    assert.throws(
      () => p.evalRef('data.d.leaves', { input: deepArray }),
      (e: unknown) => RegoError.isRegoError(e) && e.regoCode === 'eval_limit_error',
    );
  });

  it('handles huge inputs', () => {
    const p = compile([
      {
        path: 'h.rego',
        source:
          'package h\nimport rego.v1\nn := count(input.items)\nbig contains i if { some i in input.items; i > 199990 }',
      },
    ]);
    const items = Array.from({ length: 200_000 }, (_, i) => i);
    assert.equal(p.evalRef('data.h.n', { input: { items } }), 200_000);
    assert.deepEqual(
      p.evalRef('data.h.big', { input: { items } }),
      [199991, 199992, 199993, 199994, 199995, 199996, 199997, 199998, 199999],
    );
  });

  it('bounds regular-expression bombs (RE2 matches in linear time)', () => {
    const p = compile([
      {
        path: 'r.rego',
        source:
          'package r\nimport rego.v1\nm := regex.match("(a+)+$", input.s)\nn := regex.match("(x+x+)+y", input.t)',
      },
    ]);
    const s = `${'a'.repeat(100_000)}!`;
    const t = 'x'.repeat(50_000);
    assert.equal(p.evalRef('data.r.m', { input: { s } }), false);
    assert.equal(p.evalRef('data.r.n', { input: { t } }), false);
  });

  it('aborts an evaluation that would run on, by steps or by time', () => {
    const src = `package b
import rego.v1
spin if {
  some x in numbers.range(1, 2000)
  some y in numbers.range(1, 2000)
  some z in numbers.range(1, 2000)
  x + y + z < 0
}`;
    const steps = evalError(src, 'data.b.spin', { budget: { maxSteps: 100_000 } });
    assert.equal(steps.regoCode, 'eval_budget_error');
    assert.equal(steps.code, 'EW_TIMEOUT');
    assert.match(steps.message, /exceeded its budget of 100000 steps/);
    const time = evalError(src, 'data.b.spin', {
      budget: { maxSteps: Number.MAX_SAFE_INTEGER, timeoutMs: 20 },
    });
    assert.match(time.message, /time budget/);
    const range = evalError(
      'package b\nimport rego.v1\nr := count(numbers.range(1, 100000000000))',
      'data.b.r',
      {
        budget: { maxSteps: 1_000_000 },
      },
    );
    assert.equal(range.regoCode, 'eval_budget_error');
  });

  it('has a default step budget', () => {
    const src =
      'package b\nimport rego.v1\nspin if { some x in numbers.range(1, 5000); some y in numbers.range(1, 5000); x < 0 }';
    assert.equal(evalError(src, 'data.b.spin').regoCode, 'eval_budget_error');
  });
});
