/**
 * Options of every sink go one path: a declared spec per option (type, default, doc,
 * check) → validation that collects every problem and rejects unknown options →
 * defaults applied → a frozen object. The same spec is what `describe` publishes, so
 * the documentation a factory shows cannot drift from what is enforced.
 */
import { EdgewiseError } from '../../../api/errors.js';
import { FieldErrors } from '../../../api/field-errors.js';

/** Returns what is wrong with a value, or undefined when it is acceptable. */
export type OptionCheck = (value: unknown) => string | undefined;

export interface OptionSpec {
  /** The type as a reader sees it: `string`, `integer`, `boolean`, `"data" | "record"`, … */
  readonly type: string;
  /** One line: what the option does. */
  readonly doc: string;
  readonly required?: boolean;
  /** Applied when the option is omitted (or undefined). */
  readonly default?: unknown;
  /** Passwords and tokens: never echoed back in validation messages. */
  readonly secret?: boolean;
  readonly check: OptionCheck;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What `describe` returns for one option: the spec without its check. */
export interface OptionDescription {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly doc: string;
}

export function describeOptions(specs: OptionSpecs): readonly OptionDescription[] {
  return Object.freeze(
    Object.entries(specs).map(([name, spec]) =>
      Object.freeze({
        name,
        type: spec.type,
        required: spec.required === true,
        ...(spec.default === undefined ? {} : { default: spec.default }),
        doc: spec.doc,
      }),
    ),
  );
}

/** Checks between options (this one needs that one); adds problems to `errors`. */
export type CrossCheck = (resolved: Readonly<Record<string, unknown>>, errors: FieldErrors) => void;

/**
 * Validates `given` against `specs` and returns it with defaults applied, frozen.
 * Throws EW_INVALID listing every problem, each cause naming the option as its field.
 */
export function resolveOptions<T extends object>(
  sinkType: string,
  given: unknown,
  specs: OptionSpecs,
  crossCheck?: CrossCheck,
): T {
  const errors = new FieldErrors();
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    errors.invalid('', typeof given, 'options must be an object');
    throw invalidOptions(sinkType, errors);
  }
  const input = given as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(specs, key)) {
      errors.forbidden(key, `unknown option; known options: ${Object.keys(specs).join(', ')}`);
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = input[name];
    if (value === undefined) {
      if (spec.required) errors.required(name);
      else if (spec.default !== undefined) resolved[name] = spec.default;
      continue;
    }
    const problem = spec.check(value);
    if (problem) errors.invalid(name, spec.secret ? '(redacted)' : value, problem);
    else resolved[name] = value;
  }
  if (errors.empty) crossCheck?.(resolved, errors);
  if (!errors.empty) throw invalidOptions(sinkType, errors);
  return Object.freeze(resolved) as T;
}

function invalidOptions(sinkType: string, errors: FieldErrors): EdgewiseError {
  const summary = errors.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ');
  return new EdgewiseError('EW_INVALID', `invalid ${sinkType} sink options: ${summary}`, {
    kind: `${sinkType} sink`,
    causes: errors.causes,
  });
}

export const isNonEmptyString: OptionCheck = (v) =>
  typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string';

export const isString: OptionCheck = (v) => (typeof v === 'string' ? undefined : 'must be a string');

export const isBoolean: OptionCheck = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

export function isIntegerIn(min: number, max: number): OptionCheck {
  return (v) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `must be an integer from ${min} to ${max}`;
}

export function isOneOf(values: readonly string[]): OptionCheck {
  return (v) =>
    typeof v === 'string' && values.includes(v)
      ? undefined
      : `must be one of ${values.map((s) => JSON.stringify(s)).join(', ')}`;
}

/** A URL whose scheme is one of `schemes` (`amqp:`, `mqtt:`, …). */
export function isUrlWithScheme(schemes: readonly string[]): OptionCheck {
  return (v) => {
    if (typeof v !== 'string' || !URL.canParse(v)) return 'must be a URL';
    const scheme = new URL(v).protocol;
    return schemes.includes(scheme) ? undefined : `must be a URL with scheme ${schemes.join(' or ')}`;
  };
}

/** How long one `deliver` may take, connecting included; shared by every sink. */
export const TIMEOUT_OPTION: OptionSpec = {
  type: 'integer (milliseconds)',
  doc: 'How long one delivery may take, connecting included, before it fails with EW_UNAVAILABLE.',
  default: 10_000,
  check: isIntegerIn(100, 600_000),
};

/** What a message body holds, for the message-broker sinks. */
export const PAYLOAD_OPTION: OptionSpec = {
  type: '"data" | "record"',
  doc: '"data": the body is the record\'s data as JSON and the metadata travels in headers; "record": the body is a JSON envelope {node, epoch, stream, seq, time, dedupKey, data}, for consumers that cannot read headers.',
  default: 'data',
  check: isOneOf(['data', 'record']),
};

/** Drops user, password and query (which may hold secrets) from a URL, for messages. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '(invalid URL)';
  const parsed = new URL(url);
  const path = parsed.pathname === '/' ? '' : parsed.pathname;
  return `${parsed.protocol}//${parsed.host}${path}`;
}
