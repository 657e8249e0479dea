/**
 * time.* builtins. Instants are nanoseconds since the epoch (int64 in OPA,
 * bigint here when beyond 2^53); a zone can be given as [ns, "Europe/Paris"].
 * time.now_ns is fixed for a whole query, as in OPA.
 */

import { formatValue } from '../value/format.js';
import { normInt } from '../value/number.js';
import type { Value } from '../value/value.js';
import {
  type Civil,
  civil,
  civilFromDays,
  DAYS,
  daysFromCivil,
  floorDiv,
  formatTime,
  NS_PER_DAY,
  parseDuration,
  parseTime,
} from './time-layout.js';
import { type BuiltinDef, def, int, str, typeError } from './types.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function nsOf(v: Value, name: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  throw typeError(
    `\`${name}\` expects \`ns\` to be a \`number\` or \`array[number, string]\`. Got \`${formatValue(v)}\` instead`,
  );
}

/** ns or [ns, zone] (or [ns, zone, layout] for time.format). */
function tzTime(v: Value, name: string): { ns: bigint; tz: string; layout?: string } {
  if (Array.isArray(v)) {
    const [ns, tz, layout] = v;
    if (ns === undefined || (typeof tz !== 'string' && tz !== undefined)) {
      throw typeError(
        `\`${name}\` expects \`ns\` to be a \`number\` or \`array[number, string]\`. Got \`${formatValue(v)}\` instead`,
      );
    }
    const out: { ns: bigint; tz: string; layout?: string } = { ns: nsOf(ns, name), tz: tz ?? 'UTC' };
    if (typeof layout === 'string') out.layout = layout;
    return out;
  }
  return { ns: nsOf(v, name), tz: 'UTC' };
}

function inRange(ns: bigint): Value | undefined {
  return ns > INT64_MAX || ns < INT64_MIN ? undefined : normInt(ns);
}

const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

function layoutOf(l: string): string {
  return NAMED_LAYOUTS[l] ?? l;
}

function diff(a: Civil, b: Civil): number[] {
  let year = b.year - a.year;
  let month = b.month - a.month;
  let day = b.day - a.day;
  let hour = b.hour - a.hour;
  let min = b.min - a.min;
  let sec = b.sec - a.sec;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Days in a's month, as Go finds them: day 32 of the month normalises into the next.
    const overflow = civilFromDays(daysFromCivil(a.year, a.month, 1) + 31)[2];
    day += 32 - overflow;
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

export const TIME: BuiltinDef[] = [
  def('time.now_ns', 0, (_a, ctx) => {
    if (ctx.run.nowNs === undefined) ctx.run.nowNs = BigInt(Date.now()) * 1_000_000n;
    return normInt(ctx.run.nowNs);
  }),
  def('time.parse_ns', 2, (a) => {
    const layout = str(a, 0);
    const v = a[1] as Value;
    if (typeof v !== 'string')
      throw typeError(`\`time.parse_ns\` expects string argument. Got \`${formatValue(v)}\` instead`);
    return inRange(parseTime(layoutOf(layout), v));
  }),
  def('time.parse_rfc3339_ns', 1, (a) => {
    const v = a[0] as Value;
    if (typeof v !== 'string') {
      throw typeError(`\`time.parse_rfc3339_ns\` expects string argument. Got \`${formatValue(v)}\` instead`);
    }
    return inRange(parseTime(NAMED_LAYOUTS.RFC3339 as string, v));
  }),
  def('time.parse_duration_ns', 1, (a) => normInt(parseDuration(str(a, 0)))),
  def('time.date', 1, (a) => {
    const t = tzTime(a[0] as Value, 'time.date');
    const c = civil(t.ns, t.tz);
    return [c.year, c.month, c.day];
  }),
  def('time.clock', 1, (a) => {
    const t = tzTime(a[0] as Value, 'time.clock');
    const c = civil(t.ns, t.tz);
    return [c.hour, c.min, c.sec];
  }),
  def('time.weekday', 1, (a) => {
    const t = tzTime(a[0] as Value, 'time.weekday');
    return DAYS[civil(t.ns, t.tz).weekday] as string;
  }),
  def('time.add_date', 4, (a) => {
    const v = a[0] as Value;
    if (typeof v !== 'number' && typeof v !== 'bigint') {
      throw typeError(
        `\`time.add_date\` expects \`ns\` to be a \`number\` or \`array[number, string]\`. Got \`${formatValue(v)}\` instead`,
      );
    }
    const ns = nsOf(v, 'time.add_date');
    const years = int(a, 1);
    const months = int(a, 2);
    const days = int(a, 3);
    const c = civil(ns, 'UTC');
    const total = c.month - 1 + months;
    const y = c.year + years + Math.floor(total / 12);
    const m = (((total % 12) + 12) % 12) + 1;
    const day = daysFromCivil(y, m, 1) + (c.day - 1) + days;
    if (!Number.isSafeInteger(day)) return undefined;
    const sod = ns - floorDiv(ns, NS_PER_DAY) * NS_PER_DAY;
    return inRange(BigInt(day) * NS_PER_DAY + sod);
  }),
  def('time.diff', 2, (a) => {
    const t1 = tzTime(a[0] as Value, 'time.diff');
    const t2 = tzTime(a[1] as Value, 'time.diff');
    let [x, y] = [t1.ns, t2.ns];
    if (x > y) [x, y] = [y, x];
    return diff(civil(x, t1.tz), civil(y, t1.tz));
  }),
  def('time.format', 1, (a) => {
    const t = tzTime(a[0] as Value, 'time.format');
    return formatTime(civil(t.ns, t.tz), layoutOf(t.layout ?? 'RFC3339Nano'));
  }),
];
