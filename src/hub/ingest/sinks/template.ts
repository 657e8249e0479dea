/**
 * Destination templates: a routing key, subject or topic with `{node}`, `{epoch}` and
 * `{stream}` filled in per record, so one sink can fan a DataSync out by stream or
 * node. Each sink brings a rule for what its broker accepts; the rule is checked on a
 * sample when the options are validated (catching bad literal text early) and on every
 * rendered value before anything of a batch is sent (catching a node or stream name
 * the broker would reject, without a partial batch).
 */
import { EdgewiseError } from '../../../api/errors.js';
import type { SinkRecord } from '../sink.js';
import type { OptionCheck } from './options.js';

export const TEMPLATE_FIELDS = ['node', 'epoch', 'stream'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
type TemplateInput = Pick<SinkRecord, TemplateField>;

/** Returns what is wrong with a rendered destination, or undefined. */
export type DestinationRule = (rendered: string) => string | undefined;

export interface Template {
  readonly source: string;
  render(record: TemplateInput): string;
}

type Part = { literal: string } | { field: TemplateField };

/** Parses a template; returns the problem as a string when it is malformed. */
export function parseTemplate(source: string): Template | string {
  const parts: Part[] = [];
  let rest = source;
  while (rest !== '') {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close !== -1 && (open === -1 || close < open)) return 'has a "}" without a matching "{"';
    if (open === -1) {
      parts.push({ literal: rest });
      break;
    }
    if (open > 0) parts.push({ literal: rest.slice(0, open) });
    if (close === -1) return 'has a "{" without a matching "}"';
    const name = rest.slice(open + 1, close);
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
      return `has an unknown placeholder {${name}}; known: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')}`;
    }
    parts.push({ field: name as TemplateField });
    rest = rest.slice(close + 1);
  }
  return {
    source,
    render: (record) => parts.map((p) => ('literal' in p ? p.literal : record[p.field])).join(''),
  };
}

/** An option check: the template parses and, filled with sample names, satisfies `rule`. */
export function isTemplate(rule: DestinationRule): OptionCheck {
  return (value) => {
    if (typeof value !== 'string' || value === '') return 'must be a non-empty string';
    const template = parseTemplate(value);
    if (typeof template === 'string') return template;
    return rule(template.render({ node: 'node', epoch: 'epoch', stream: 'stream' }));
  };
}

/** Compiles an already validated template. */
export function compileTemplate(source: string): Template {
  const template = parseTemplate(source);
  if (typeof template === 'string') {
    throw new EdgewiseError('EW_INTERNAL', `template "${source}" was not validated: ${template}`);
  }
  return template;
}

/**
 * Renders a template for every record of a batch, checking each distinct result
 * against `rule`. Throws EW_INVALID naming the record when one does not fit, so no
 * part of the batch is sent. `what` names the destination in messages ("subject").
 */
export function renderAll(
  template: Template,
  rule: DestinationRule,
  batch: readonly SinkRecord[],
  what: string,
): string[] {
  const seen = new Map<string, string>();
  return batch.map((record) => {
    const key = `${record.node}\u0000${record.epoch}\u0000${record.stream}`;
    let rendered = seen.get(key);
    if (rendered === undefined) {
      rendered = template.render(record);
      const problem = rule(rendered);
      if (problem) {
        throw new EdgewiseError(
          'EW_INVALID',
          `record ${record.dedupKey}: ${what} ${JSON.stringify(rendered)} from template ${JSON.stringify(template.source)} ${problem}`,
        );
      }
      seen.set(key, rendered);
    }
    return rendered;
  });
}
