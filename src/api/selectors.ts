/**
 * Label and field selectors with Kubernetes grammar and semantics.
 *
 * Label selectors: comma-separated requirements, all of which must hold:
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k`
 * (does not exist), `k>n`, `k<n`. `!=` and `notin` also match objects without
 * the label, as in Kubernetes.
 *
 * Field selectors: `path=v`, `path==v`, `path!=v` over dotted paths of the object.
 */
import { EdgewiseError } from './errors.js';
import { checkLabelValue, checkQualifiedName } from './names.js';

export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted, for `in`/`notin` (equality is `in` with one value); one integer for gt/lt. */
  values: string[];
}

export interface LabelSelector {
  /** All must hold. Empty matches everything. */
  requirements: LabelRequirement[];
  /** Matches nothing (a nil selector in a Kubernetes API object). */
  matchNothing?: boolean;
}

export interface FieldRequirement {
  path: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

/** The form a Kubernetes API object uses (`spec.selector`, `labelSelector` in affinity terms). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export const EVERYTHING: LabelSelector = Object.freeze({ requirements: [] }) as LabelSelector;

function badSelector(text: string, why: string): EdgewiseError {
  return new EdgewiseError(
    'EW_BAD_REQUEST',
    `unable to parse requirement: invalid label selector "${text}": ${why}`,
  );
}

/** Parses a label selector string as sent in `?labelSelector=` or `edgewise get -l`. */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements: LabelRequirement[] = [];
  let i = 0;
  const src = text;
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i] ?? '')) i++;
  };
  const readWord = (): string => {
    skipSpace();
    const start = i;
    while (i < src.length && !/[\s,()=!<>]/.test(src[i] ?? '')) i++;
    return src.slice(start, i);
  };
  skipSpace();
  if (i >= src.length) return { requirements: [] };
  for (;;) {
    skipSpace();
    let negated = false;
    if (src[i] === '!') {
      negated = true;
      i++;
    }
    const key = readWord();
    if (!key) throw badSelector(text, `expected a label key at position ${i}`);
    const keyProblems = checkQualifiedName(key);
    if (keyProblems.length) throw badSelector(text, `key "${key}": ${keyProblems.join('; ')}`);
    skipSpace();
    if (negated) {
      requirements.push({ key, operator: '!', values: [] });
    } else if (i >= src.length || src[i] === ',') {
      requirements.push({ key, operator: 'exists', values: [] });
    } else if (src.startsWith('==', i) || src[i] === '=') {
      i += src.startsWith('==', i) ? 2 : 1;
      const value = readWord();
      requirements.push({ key, operator: 'in', values: [checkedValue(text, value)] });
    } else if (src.startsWith('!=', i)) {
      i += 2;
      const value = readWord();
      requirements.push({ key, operator: 'notin', values: [checkedValue(text, value)] });
    } else if (src[i] === '>' || src[i] === '<') {
      const symbol = src[i];
      const operator = symbol === '>' ? 'gt' : 'lt';
      i++;
      const value = readWord();
      if (!/^-?\d+$/.test(value))
        throw badSelector(text, `for '${symbol}' operator, the value must be an integer`);
      requirements.push({ key, operator, values: [value] });
    } else {
      const word = readWord();
      if (word !== 'in' && word !== 'notin') {
        throw badSelector(text, `found '${word || src[i]}', expected: in, notin, =, ==, !=, gt, lt`);
      }
      skipSpace();
      if (src[i] !== '(') throw badSelector(text, `found '${src[i] ?? 'end of string'}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        const value = readWord();
        skipSpace();
        values.push(checkedValue(text, value));
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === ')') {
          i++;
          break;
        }
        throw badSelector(text, `found '${src[i] ?? 'end of string'}', expected: ',' or ')'`);
      }
      requirements.push({ key, operator: word, values: [...new Set(values)].sort() });
    }
    skipSpace();
    if (i >= src.length) break;
    if (src[i] !== ',') throw badSelector(text, `found '${src[i]}', expected: ','`);
    i++;
  }
  return { requirements };
}

function checkedValue(text: string, value: string): string {
  const problems = checkLabelValue(value);
  if (problems.length) throw badSelector(text, `value "${value}": ${problems.join('; ')}`);
  return value;
}

/**
 * Converts a Kubernetes LabelSelector object. `undefined` matches nothing (as a nil
 * selector does); `{}` matches everything. Throws EW_INVALID where Kubernetes'
 * LabelSelectorAsSelector fails: an unknown operator, In/NotIn without values,
 * Exists/DoesNotExist with values, or an invalid key or value.
 */
export function labelSelectorFromObject(selector: LabelSelectorObject | undefined | null): LabelSelector {
  if (selector === undefined || selector === null) return { requirements: [], matchNothing: true };
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push(objectRequirement(key, 'in', [value]));
  }
  for (const expr of selector.matchExpressions ?? []) {
    const operator = OBJECT_OPERATORS[expr.operator];
    if (!operator) {
      throw new EdgewiseError('EW_INVALID', `"${expr.operator}" is not a valid label selector operator`);
    }
    requirements.push(objectRequirement(expr.key, operator, [...(expr.values ?? [])].sort()));
  }
  return { requirements };
}

const OBJECT_OPERATORS: Record<string, LabelOperator | undefined> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

function objectRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const fail = (why: string) => new EdgewiseError('EW_INVALID', `invalid label selector: ${why}`);
  const keyProblems = checkQualifiedName(key);
  if (keyProblems.length) throw fail(`key "${key}": ${keyProblems.join('; ')}`);
  if ((operator === 'in' || operator === 'notin') && values.length === 0) {
    throw fail(`key "${key}": for 'in', 'notin' operators, values set can't be empty`);
  }
  if ((operator === 'exists' || operator === '!') && values.length > 0) {
    throw fail(`key "${key}": values set must be empty for exists and does not exist`);
  }
  for (const value of values) {
    const problems = checkLabelValue(value);
    if (problems.length) throw fail(`key "${key}": value "${value}": ${problems.join('; ')}`);
  }
  return { key, operator, values };
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (selector.matchNothing) return false;
  const have = labels ?? {};
  for (const req of selector.requirements) {
    const present = Object.hasOwn(have, req.key);
    const value = have[req.key];
    switch (req.operator) {
      case 'in':
        if (!present || !req.values.includes(value as string)) return false;
        break;
      case 'notin':
        if (present && req.values.includes(value as string)) return false;
        break;
      case 'exists':
        if (!present) return false;
        break;
      case '!':
        if (present) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!present || !/^-?\d+$/.test(value as string)) return false;
        const have = BigInt(value as string);
        const want = BigInt(req.values[0] as string);
        if (req.operator === 'gt' ? !(have > want) : !(have < want)) return false;
        break;
      }
    }
  }
  return true;
}

export function formatLabelSelector(selector: LabelSelector): string {
  return selector.requirements
    .map((r) => {
      switch (r.operator) {
        case 'in':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return r.values.length === 1
            ? `${r.key}!=${r.values[0]}`
            : `${r.key} notin (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
        default:
          return r.key;
      }
    })
    .join(',');
}

/**
 * Parses `?fieldSelector=`; backslash escapes `,`, `=` and `\` inside values (any
 * other escaped character stands for itself).
 */
export function parseFieldSelector(text: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  if (text.trim() === '') return { requirements };
  for (const part of splitUnescaped(text, ',')) {
    // Kubernetes skips empty terms (`a=1,`), so a trailing comma is not an error.
    if (part.trim() === '') continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/s.exec(part.trim());
    if (!m)
      throw new EdgewiseError(
        'EW_BAD_REQUEST',
        `invalid field selector "${text}": "${part}" is not path=value`,
      );
    const [, path, op, raw] = m as unknown as [string, string, string, string];
    requirements.push({
      path: path.trim(),
      operator: op === '!=' ? '!=' : '=',
      value: unescapeSelectorValue(raw),
    });
  }
  return { requirements };
}

function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unescapeSelectorValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** Reads a dotted path; a missing field reads as `''`, as Kubernetes field selectors do. */
export function fieldValue(object: unknown, path: string): string {
  let cur: unknown = object;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

export function matchesFields(selector: FieldSelector, object: unknown): boolean {
  for (const req of selector.requirements) {
    const value = fieldValue(object, req.path);
    if (req.operator === '=' ? value !== req.value : value === req.value) return false;
  }
  return true;
}

export function formatFieldSelector(selector: FieldSelector): string {
  return (
    selector.requirements
      // Only the escapes Kubernetes' fields.EscapeValue produces: its parser rejects others (`\!`).
      .map((r) => `${r.path}${r.operator}${r.value.replace(/([\\,=])/g, '\\$1')}`)
      .join(',')
  );
}
