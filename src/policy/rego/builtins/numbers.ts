/** Number builtins: abs, round, ceil, floor, numbers.range(_step), rand.intn. */
import { abs, isInt, normInt, toBig } from '../value/number.js';
import type { Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, num, str, typeError } from './types.js';

function intOperand(args: Value[], i: number): bigint {
  const n = num(args, i);
  if (!isInt(n)) throw typeError(`operand ${i + 1} must be integer number but got floating-point number`);
  return toBig(n);
}

function rangeOf(
  ctx: { run: { budget: { charge(n: number): void } } },
  a: bigint,
  b: bigint,
  step: bigint,
): Value[] {
  const count = (a > b ? a - b : b - a) / step + 1n;
  // Every element costs a step: a huge range runs into the budget instead of memory.
  ctx.run.budget.charge(Number(count));
  const out: Value[] = [];
  if (a <= b) for (let x = a; x <= b; x += step) out.push(normInt(x));
  else for (let x = a; x >= b; x -= step) out.push(normInt(x));
  return out;
}

function roundHalfAway(n: number | bigint): number | bigint {
  if (typeof n === 'bigint') return n;
  return n < 0 ? -Math.round(-n) : Math.round(n);
}

export const NUMBERS: BuiltinDef[] = [
  def('abs', 1, (a) => abs(num(a, 0))),
  def('round', 1, (a) => roundHalfAway(num(a, 0))),
  def('ceil', 1, (a) => {
    const n = num(a, 0);
    return typeof n === 'bigint' ? n : Math.ceil(n) + 0;
  }),
  def('floor', 1, (a) => {
    const n = num(a, 0);
    return typeof n === 'bigint' ? n : Math.floor(n) + 0;
  }),
  def('numbers.range', 2, (a, ctx) => rangeOf(ctx, intOperand(a, 0), intOperand(a, 1), 1n)),
  def('numbers.range_step', 3, (a, ctx) => {
    const step = intOperand(a, 2);
    if (step <= 0n) throw new BuiltinError('step must be a positive number above zero');
    return rangeOf(ctx, intOperand(a, 0), intOperand(a, 1), step);
  }),
  def('rand.intn', 2, (a, ctx) => {
    const key = `rand.intn:${str(a, 0)}:${String(num(a, 1))}`;
    const n = intOperand(a, 1);
    if (n === 0n) return 0;
    const hit = ctx.run.memo.get(key);
    if (hit !== undefined) return hit;
    const bound = n < 0n ? -n : n;
    const v = normInt(BigInt(Math.floor(Math.random() * Number(bound))));
    ctx.run.memo.set(key, v);
    return v;
  }),
];
