/** Collects field-level validation problems in Kubernetes' wording (`field.ErrorList`). */
import type { StatusCause } from './errors.js';

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : text;
}

export class FieldErrors {
  readonly causes: StatusCause[] = [];

  required(field: string, detail = ''): void {
    this.causes.push({
      reason: 'FieldValueRequired',
      field,
      message: detail ? `Required value: ${detail}` : 'Required value',
    });
  }

  invalid(field: string, value: unknown, detail: string): void {
    this.causes.push({
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: ${show(value)}: ${detail}`,
    });
  }

  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    this.causes.push({
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => show(s)).join(', ')}`,
    });
  }

  duplicate(field: string, value: unknown): void {
    this.causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${show(value)}` });
  }

  forbidden(field: string, detail: string): void {
    this.causes.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
  }

  tooLong(field: string, max: number): void {
    this.causes.push({
      reason: 'FieldValueTooLong',
      field,
      message: `Too long: may not be more than ${max} bytes`,
    });
  }

  /** Adds each problem string from a names.ts check as an Invalid cause. */
  check(field: string, value: unknown, problems: string[]): void {
    for (const p of problems) this.invalid(field, value, p);
  }

  get empty(): boolean {
    return this.causes.length === 0;
  }
}
