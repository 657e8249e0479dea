/**
 * Go's time layouts ("2006-01-02T15:04:05Z07:00"), civil-date arithmetic on
 * nanoseconds since the epoch, and time-zone offsets through Intl. OPA's time
 * builtins are thin wrappers over Go's time package; this is the part of it
 * they need.
 */
import { BuiltinError } from './types.js';

export const NS_PER_SEC = 1_000_000_000n;
export const NS_PER_DAY = 86_400n * NS_PER_SEC;
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Broken-down wall-clock time. */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  weekday: number;
  yday: number;
  offset: number;
  zone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        timeZoneName: 'short',
      });
    } catch {
      throw new BuiltinError(`unknown time zone ${tz}`);
    }
    formatters.set(tz, f);
  }
  return f;
}

/** UTC offset in seconds of a zone at an instant, and the zone's abbreviation. */
export function zoneAt(tz: string, unixSec: number): { offset: number; zone: string } {
  if (tz === '' || tz === 'UTC') return { offset: 0, zone: 'UTC' };
  const ms = Math.max(-8.64e15, Math.min(8.64e15, unixSec * 1000));
  if (tz === 'Local') {
    const offset = -new Date(ms).getTimezoneOffset() * 60;
    return { offset, zone: offset === 0 ? 'UTC' : 'Local' };
  }
  const parts = formatter(tz).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = Math.round((wall - Math.floor(ms / 1000) * 1000) / 1000);
  const zone = parts.find((p) => p.type === 'timeZoneName')?.value ?? tz;
  return { offset, zone };
}

/** Wall-clock fields of an instant in a zone. */
export function civil(ns: bigint, tz: string): Civil {
  const secs = floorDiv(ns, NS_PER_SEC);
  const nsec = Number(ns - secs * NS_PER_SEC);
  const { offset, zone } = zoneAt(tz, Number(secs));
  const local = secs + BigInt(offset);
  const days = Number(floorDiv(local, 86_400n));
  const sod = Number(local - BigInt(days) * 86_400n);
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(sod / 3600),
    min: Math.floor((sod % 3600) / 60),
    sec: sod % 60,
    nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    zone,
  };
}

type Chunk =
  | { k: 'lit'; s: string }
  | { k: 'std'; s: string }
  | { k: 'frac'; sep: string; n: number; trim: boolean };

const STD = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '2006',
  '002',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '15',
  '__2',
  '_2',
  '-07:00:00',
  '-070000',
  '-07:00',
  '-0700',
  '-07',
  'Z07:00:00',
  'Z070000',
  'Z07:00',
  'Z0700',
  'Z07',
  'PM',
  'pm',
  '1',
  '2',
  '3',
  '4',
  '5',
];

/** Splits a Go layout into literal text and layout elements. */
export function chunks(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = '';
  let i = 0;
  outer: while (i < layout.length) {
    const c = layout[i] as string;
    if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const d = layout[i + 1] as string;
      let j = i + 1;
      while (layout[j] === d) j++;
      if (!/[0-9]/.test(layout[j] ?? '')) {
        if (lit) out.push({ k: 'lit', s: lit });
        lit = '';
        out.push({ k: 'frac', sep: c, n: j - i - 1, trim: d === '9' });
        i = j;
        continue;
      }
    }
    for (const s of STD) {
      if (layout.startsWith(s, i)) {
        // "Mon" is not a prefix of "Monday" handled above; "2006" before "2", "01" before "1".
        if (lit) out.push({ k: 'lit', s: lit });
        lit = '';
        out.push({ k: 'std', s });
        i += s.length;
        continue outer;
      }
    }
    lit += c;
    i++;
  }
  if (lit) out.push({ k: 'lit', s: lit });
  return out;
}

const pad = (n: number, w: number): string => String(Math.abs(n)).padStart(w, '0');

function zoneText(std: string, offset: number): string {
  if (std.startsWith('Z') && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = pad(Math.floor(a / 3600), 2);
  const m = pad(Math.floor((a % 3600) / 60), 2);
  const s = pad(a % 60, 2);
  const body = std.replace(/^[-Z]/, '');
  switch (body) {
    case '07:00:00':
      return `${sign}${h}:${m}:${s}`;
    case '070000':
      return `${sign}${h}${m}${s}`;
    case '07:00':
      return `${sign}${h}:${m}`;
    case '0700':
      return `${sign}${h}${m}`;
    default:
      return `${sign}${h}`;
  }
}

export function formatTime(c: Civil, layout: string): string {
  let out = '';
  for (const ch of chunks(layout)) {
    if (ch.k === 'lit') {
      out += ch.s;
      continue;
    }
    if (ch.k === 'frac') {
      let digits = pad(c.nsec, 9).slice(0, ch.n);
      if (ch.trim) digits = digits.replace(/0+$/, '');
      if (digits !== '' || !ch.trim) out += ch.sep + digits;
      continue;
    }
    const h12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
    switch (ch.s) {
      case 'January':
        out += MONTHS[c.month - 1];
        break;
      case 'Jan':
        out += (MONTHS[c.month - 1] as string).slice(0, 3);
        break;
      case 'Monday':
        out += DAYS[c.weekday];
        break;
      case 'Mon':
        out += (DAYS[c.weekday] as string).slice(0, 3);
        break;
      case 'MST':
        out += c.zone;
        break;
      case '2006':
        out += c.year < 0 ? `-${pad(c.year, 4)}` : pad(c.year, 4);
        break;
      case '06':
        out += pad(c.year % 100, 2);
        break;
      case '002':
        out += pad(c.yday, 3);
        break;
      case '__2':
        out += String(c.yday).padStart(3, ' ');
        break;
      case '01':
        out += pad(c.month, 2);
        break;
      case '1':
        out += String(c.month);
        break;
      case '02':
        out += pad(c.day, 2);
        break;
      case '_2':
        out += String(c.day).padStart(2, ' ');
        break;
      case '2':
        out += String(c.day);
        break;
      case '15':
        out += pad(c.hour, 2);
        break;
      case '03':
        out += pad(h12, 2);
        break;
      case '3':
        out += String(h12);
        break;
      case '04':
        out += pad(c.min, 2);
        break;
      case '4':
        out += String(c.min);
        break;
      case '05':
        out += pad(c.sec, 2);
        break;
      case '5':
        out += String(c.sec);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      default:
        out += zoneText(ch.s, c.offset);
    }
  }
  return out;
}

/** Go's time.Parse: a layout and a value to nanoseconds since the epoch. */
export function parseTime(layout: string, value: string, defaultTz = 'UTC'): bigint {
  const bad = (): never => {
    throw new BuiltinError(
      `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse`,
    );
  };
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let zoneName: string | undefined;
  let i = 0;
  const num = (min: number, max: number): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(value.slice(i));
    if (!m) bad();
    i += (m as RegExpExecArray)[0].length;
    return Number((m as RegExpExecArray)[0]);
  };
  const word = (names: string[]): number => {
    const idx = names.findIndex((n) => value.slice(i, i + n.length).toLowerCase() === n.toLowerCase());
    if (idx < 0) bad();
    i += (names[idx] as string).length;
    return idx;
  };
  for (const ch of chunks(layout)) {
    if (ch.k === 'lit') {
      if (!value.startsWith(ch.s, i)) bad();
      i += ch.s.length;
      continue;
    }
    if (ch.k === 'frac') {
      if (value[i] !== ch.sep && value[i] !== '.' && value[i] !== ',') {
        if (ch.trim) continue;
        bad();
      }
      i++;
      const m = /^\d+/.exec(value.slice(i));
      if (!m) bad();
      const digits = (m as RegExpExecArray)[0];
      i += digits.length;
      nsec = Number(digits.slice(0, 9).padEnd(9, '0'));
      continue;
    }
    switch (ch.s) {
      case 'January':
        month = word(MONTHS) + 1;
        break;
      case 'Jan':
        month = word(MONTHS.map((m) => m.slice(0, 3))) + 1;
        break;
      case 'Monday':
        word(DAYS);
        break;
      case 'Mon':
        word(DAYS.map((d) => d.slice(0, 3)));
        break;
      case 'MST': {
        const m = /^[A-Z]{3,5}|^[+-]\d+/.exec(value.slice(i));
        if (!m) bad();
        zoneName = (m as RegExpExecArray)[0];
        i += zoneName.length;
        if (zoneName === 'UTC' || zoneName === 'GMT') offset = 0;
        break;
      }
      case '2006':
        year = num(4, 4);
        break;
      case '06': {
        const y = num(2, 2);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case '01':
        month = num(2, 2);
        break;
      case '1':
        month = num(1, 2);
        break;
      case '02':
        day = num(2, 2);
        break;
      case '_2':
        if (value[i] === ' ') i++;
        day = num(1, 2);
        break;
      case '2':
        day = num(1, 2);
        break;
      case '002':
      case '__2':
        num(1, 3);
        break;
      case '15':
        hour = num(1, 2);
        break;
      case '03':
      case '3':
        hour = num(1, 2);
        break;
      case '04':
      case '4':
        min = num(1, 2);
        break;
      case '05':
      case '5':
        sec = num(1, 2);
        if ((value[i] === '.' || value[i] === ',') && /\d/.test(value[i + 1] ?? '')) {
          i++;
          const m = /^\d+/.exec(value.slice(i)) as RegExpExecArray;
          i += m[0].length;
          nsec = Number(m[0].slice(0, 9).padEnd(9, '0'));
        }
        break;
      case 'PM':
      case 'pm': {
        const s = value.slice(i, i + 2).toUpperCase();
        if (s !== 'AM' && s !== 'PM') bad();
        pm = s === 'PM';
        i += 2;
        break;
      }
      default: {
        if (ch.s.startsWith('Z') && value[i] === 'Z') {
          offset = 0;
          i++;
          break;
        }
        const m = /^([+-])(\d{2}):?(\d{2})?:?(\d{2})?/.exec(value.slice(i));
        if (!m) bad();
        const mm = m as RegExpExecArray;
        const o = Number(mm[2]) * 3600 + Number(mm[3] ?? 0) * 60 + Number(mm[4] ?? 0);
        offset = mm[1] === '-' ? -o : o;
        i += mm[0].length;
      }
    }
  }
  if (i !== value.length) {
    throw new BuiltinError(
      `parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(value.slice(i))}`,
    );
  }
  if (pm !== undefined) {
    if (hour < 1 || hour > 12) bad();
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  const daysInMonth = civilFromDays(daysFromCivil(year, month + 1 > 12 ? 1 : month + 1, 1) - 1)[2];
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > (month === 12 ? 31 : daysInMonth) ||
    hour > 23 ||
    min > 59 ||
    sec > 59
  ) {
    throw new BuiltinError(`parsing time ${JSON.stringify(value)}: value out of range`);
  }
  const days = BigInt(daysFromCivil(year, month, day));
  let ns = days * NS_PER_DAY + BigInt(hour * 3600 + min * 60 + sec) * NS_PER_SEC + BigInt(nsec);
  if (offset === undefined) offset = zoneAt(defaultTz, Number(ns / NS_PER_SEC)).offset;
  ns -= BigInt(offset) * NS_PER_SEC;
  return ns;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds. */
export function parseDuration(s: string): bigint {
  const bad = (): never => {
    throw new BuiltinError(`time: invalid duration ${JSON.stringify(s)}`);
  };
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') bad();
  let total = 0;
  while (rest !== '') {
    const m = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') bad();
    const mm = m as RegExpExecArray;
    total += Number(mm[1]) * (DURATION_UNITS[mm[2] as string] as number);
    rest = rest.slice(mm[0].length);
  }
  const ns = BigInt(Math.round(total));
  return neg ? -ns : ns;
}
