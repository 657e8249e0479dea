import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, type EvalOptions, RegoError } from '../../src/policy/rego/index.js';

function evalIn(src: string, ref: string, opts?: EvalOptions): unknown {
  return compile([{ path: 'test.rego', source: src }]).evalRef(ref, opts);
}

function evalError(src: string, ref: string, opts?: EvalOptions): RegoError {
  try {
    evalIn(src, ref, opts);
  } catch (e) {
    assert.ok(RegoError.isRegoError(e), String(e));
    return e;
  }
  assert.fail('expected an error');
}

describe('evaluation', () => {
  it('evaluates complete, multi-value and object rules', () => {
    const src = `package t
import rego.v1
allow if input.user == "alice"
deny contains msg if { some c in input.containers; not c.limits; msg := sprintf("%s has no limits", [c.name]) }
by_name[c.name] := c.image if some c in input.containers
`;
    const input = {
      user: 'alice',
      containers: [
        { name: 'a', image: 'x' },
        { name: 'b', image: 'y', limits: {} },
      ],
    };
    assert.deepEqual(evalIn(src, 'data.t', { input }), {
      allow: true,
      deny: ['a has no limits'],
      by_name: { a: 'x', b: 'y' },
    });
  });

  it('leaves a result undefined rather than false, unless a default says otherwise', () => {
    const src = 'package t\nimport rego.v1\np if input.x == 1\ndefault q := false\nq if input.x == 1';
    assert.equal(evalIn(src, 'data.t.p', { input: { x: 2 } }), undefined);
    assert.equal(evalIn(src, 'data.t.q', { input: { x: 2 } }), false);
    assert.equal(evalIn(src, 'data.t.q', { input: { x: 1 } }), true);
  });

  it('follows else chains in order', () => {
    const src = `package t
import rego.v1
level := "high" if input.n > 10
else := "mid" if input.n > 5
else := "low"
`;
    assert.equal(evalIn(src, 'data.t.level', { input: { n: 20 } }), 'high');
    assert.equal(evalIn(src, 'data.t.level', { input: { n: 7 } }), 'mid');
    assert.equal(evalIn(src, 'data.t.level', { input: { n: 1 } }), 'low');
  });

  it('calls functions with several definitions, patterns and defaults', () => {
    const src = `package t
import rego.v1
f(1) := "one"
f(x) := "big" if x > 100
default f(_) := "other"
g([a, b]) := a + b
results := [f(1), f(500), f(5), g([2, 3])]
`;
    assert.deepEqual(evalIn(src, 'data.t.results'), ['one', 'big', 'other', 5]);
  });

  it('unifies patterns on both sides and binds in any order', () => {
    const src = `package t
import rego.v1
p := [a, b] if { [a, 2] = [1, b] }
q := x if { y = x + 1; x = 4 }
r := name if { {"name": name, "n": 3} = input.obj }
`;
    assert.deepEqual(evalIn(src, 'data.t.p'), [1, 2]);
    assert.equal(evalIn(src, 'data.t.q'), 4);
    assert.equal(evalIn(src, 'data.t.r', { input: { obj: { name: 'z', n: 3 } } }), 'z');
  });

  it('evaluates comprehensions, every, not and set operators', () => {
    const src = `package t
import rego.v1
xs := [3, 1, 2]
sq := [y | some x in xs; y := x * x]
evens := {x | some x in numbers.range(1, 6); x % 2 == 0}
idx := {v: i | some i, v in xs}
all_pos if every x in xs { x > 0 }
none_neg if not any_neg
any_neg if { some x in xs; x < 0 }
ops := [{1, 2} | {3}, {1, 2} & {2}, {1, 2} - {1}]
`;
    assert.deepEqual(evalIn(src, 'data.t'), {
      xs: [3, 1, 2],
      sq: [9, 1, 4],
      evens: [2, 4, 6],
      idx: { '1': 1, '2': 2, '3': 0 },
      all_pos: true,
      none_neg: true,
      ops: [[1, 2, 3], [2], [2]],
    });
  });

  it('evaluates the arguments of a negated call before the negation, as OPA does', () => {
    const src = `package t
import rego.v1
ok(_, _) := true
a if not ok(1, input.missing)
b if not input.missing
c if not input.missing == 1
d if not ok(1, 2)
`;
    // An undefined argument fails the body; an undefined plain reference makes `not` hold.
    assert.deepEqual(evalIn(src, 'data.t', { input: {} }), { b: true });
  });

  it('replaces input, data and functions with `with`', () => {
    const src = `package t
import rego.v1
allow if input.role == "admin"
limit := data.config.limit
double(x) := x * 2
r1 if allow with input as {"role": "admin"}
r2 := l if l := limit with data.config.limit as 7
r3 := y if y := double(2) with double as triple
r4 := n if n := count([1, 2, 3]) with count as 42
triple(x) := x * 3
`;
    assert.deepEqual(evalIn(src, 'data.t', { input: { role: 'user' }, data: { config: { limit: 1 } } }), {
      limit: 1,
      r1: true,
      r2: 7,
      r3: 6,
      r4: 42,
    });
  });

  it('merges virtual documents with base data', () => {
    const src = 'package a.b\nimport rego.v1\nc := 1';
    assert.deepEqual(evalIn(src, 'data.a', { data: { a: { other: true } } }), { b: { c: 1 }, other: true });
    assert.equal(evalIn(src, 'data.a.other', { data: { a: { other: true } } }), true);
  });

  it('supports ref heads with variables', () => {
    const src = `package t
import rego.v1
users[u.name].roles contains r if { some u in input.users; some r in u.roles }
a.b.c := 1
`;
    const input = {
      users: [
        { name: 'x', roles: ['r1', 'r2'] },
        { name: 'y', roles: ['r3'] },
      ],
    };
    assert.deepEqual(evalIn(src, 'data.t', { input }), {
      users: { x: { roles: ['r1', 'r2'] }, y: { roles: ['r3'] } },
      a: { b: { c: 1 } },
    });
  });

  it('reports conflicting values as eval_conflict_error', () => {
    const e = evalError('package t\nimport rego.v1\np := x if some x in [1, 2]', 'data.t.p');
    assert.equal(e.regoCode, 'eval_conflict_error');
    assert.equal(e.location?.row, 3);
    const o = evalError('package t\nimport rego.v1\np[k] := v if { k := "a"; some v in [1, 2] }', 'data.t.p');
    assert.match(o.message, /object keys must be unique/);
    const f = evalError('package t\nimport rego.v1\nf(_) := 1\nf(_) := 2\nx := f(0)', 'data.t.x');
    assert.match(f.message, /functions must not produce multiple outputs/);
  });

  it('treats builtin errors as undefined unless strict', () => {
    const src = 'package t\nimport rego.v1\nx := to_number("abc")\ny := 1';
    assert.deepEqual(evalIn(src, 'data.t'), { y: 1 });
    const e = evalError(src, 'data.t', { strictBuiltinErrors: true });
    assert.equal(e.regoCode, 'eval_type_error');
    assert.equal(e.code, 'EW_POLICY_EVAL');
  });

  it('answers queries with bindings and expression values', () => {
    const p = compile([{ path: 't.rego', source: 'package t\nimport rego.v1\nxs := [1, 2]' }]);
    assert.deepEqual(p.evalQuery('x := data.t.xs[_]; y := x * 10'), [
      { x: 1, y: 10 },
      { x: 2, y: 20 },
    ]);
    assert.deepEqual(p.query('count(data.t.xs)'), [{ bindings: {}, expressions: [2] }]);
    assert.deepEqual(p.query('data.t.nope'), []);
    assert.equal(p.evalRef('data.t.xs[1]'), 2);
    assert.deepEqual(p.evalPath(['t']), { xs: [1, 2] });
  });

  it('keeps big integers exact on request', () => {
    const p = compile([
      { path: 't.rego', source: 'package t\nimport rego.v1\nn := 1000000000000000000000 + 1' },
    ]);
    assert.equal(p.evalRef('data.t.n', { bigint: true }), 1000000000000000000001n);
  });

  it('lists test rules for policy test', () => {
    const p = compile([
      { path: 't.rego', source: 'package t\nimport rego.v1\ntest_a if true\ntest_b if false\nhelper := 1' },
    ]);
    assert.deepEqual(p.testRules(), [
      ['t', 'test_a'],
      ['t', 'test_b'],
    ]);
  });
});
