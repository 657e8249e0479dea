/**
 * The one registry of Edgewise error codes. Every error that crosses a boundary
 * (HTTP, CLI, link, policy API) carries one of these codes; the HTTP status and the
 * Kubernetes `Status.reason` it maps to are declared here and nowhere else.
 */

export interface ErrorCodeInfo {
  /** HTTP status code used when the error reaches an HTTP client. */
  readonly status: number;
  /** Kubernetes `Status.reason` (StatusReason) for the error. */
  readonly reason: string;
  /** One line for docs/errors.md: when a user sees this code. */
  readonly doc: string;
}

export const ERROR_CODES = {
  EW_BAD_REQUEST: {
    status: 400,
    reason: 'BadRequest',
    doc: 'The request could not be understood: malformed body, query or path.',
  },
  EW_UNAUTHORIZED: { status: 401, reason: 'Unauthorized', doc: 'No valid credential was presented.' },
  EW_FORBIDDEN: { status: 403, reason: 'Forbidden', doc: 'The credential is valid but may not do this.' },
  EW_ADMISSION_DENIED: {
    status: 403,
    reason: 'Forbidden',
    doc: 'An admission policy (a Gatekeeper constraint) denied the object.',
  },
  EW_NOT_FOUND: { status: 404, reason: 'NotFound', doc: 'The object, kind or path does not exist.' },
  EW_METHOD_NOT_ALLOWED: {
    status: 405,
    reason: 'MethodNotAllowed',
    doc: 'The verb is not supported on this path.',
  },
  EW_NOT_ACCEPTABLE: {
    status: 406,
    reason: 'NotAcceptable',
    doc: 'No response format the client accepts can be produced.',
  },
  EW_ALREADY_EXISTS: {
    status: 409,
    reason: 'AlreadyExists',
    doc: 'An object with this name already exists.',
  },
  EW_CONFLICT: {
    status: 409,
    reason: 'Conflict',
    doc: 'The object changed since it was read (stale resourceVersion); read it again and retry.',
  },
  EW_GONE: {
    status: 410,
    reason: 'Expired',
    doc: 'The requested revision has been compacted away; list again and watch from the new revision.',
  },
  EW_TOO_LARGE: {
    status: 413,
    reason: 'RequestEntityTooLarge',
    doc: 'The request body exceeds the size limit.',
  },
  EW_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    reason: 'UnsupportedMediaType',
    doc: 'The Content-Type is not one this endpoint accepts.',
  },
  EW_INVALID: {
    status: 422,
    reason: 'Invalid',
    doc: 'The object failed validation; each cause names a field path.',
  },
  EW_IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    reason: 'Invalid',
    doc: 'This Idempotency-Key was already used for a request with a different body; use a new key for a new request.',
  },
  EW_TOO_MANY_REQUESTS: {
    status: 429,
    reason: 'TooManyRequests',
    doc: 'The server is shedding load; retry later.',
  },
  EW_POLICY_EVAL: {
    status: 500,
    reason: 'InternalError',
    doc: 'A Rego policy failed while evaluating (conflicting rule values, a type or builtin error); the message names the file, line and column.',
  },
  EW_INTERNAL: {
    status: 500,
    reason: 'InternalError',
    doc: 'A bug in Edgewise; the message says where to report it.',
  },
  EW_UNAVAILABLE: {
    status: 503,
    reason: 'ServiceUnavailable',
    doc: 'A dependency (store, sink, hub) is unreachable.',
  },
  EW_TIMEOUT: { status: 504, reason: 'Timeout', doc: 'The operation did not finish in its time budget.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One field-level problem, in the shape of Kubernetes `StatusCause`. */
export interface StatusCause {
  /** `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueTypeInvalid`, … */
  reason: string;
  message: string;
  /** Field path in Kubernetes notation: `spec.template.spec.containers[0].image`. */
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The Kubernetes `Status` object every API error is rendered as. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

const EDGEWISE_ERROR = Symbol.for('edgewise.error');

/**
 * An error Edgewise can explain to a user: it has a stable code, an HTTP status and
 * a message. Anything thrown that is not an EdgewiseError is a bug.
 */
export class EdgewiseError extends Error {
  readonly code: ErrorCode;
  readonly details: StatusDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EdgewiseError';
    this.code = code;
    this.details = details;
    Object.defineProperty(this, EDGEWISE_ERROR, { value: true });
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get reason(): string {
    return ERROR_CODES[this.code].reason;
  }

  /** True for any EdgewiseError, even one created by a second copy of this module. */
  static is(err: unknown): err is EdgewiseError {
    return (
      typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[EDGEWISE_ERROR] === true
    );
  }

  static isCode(err: unknown, code: ErrorCode): err is EdgewiseError {
    return EdgewiseError.is(err) && err.code === code;
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.status,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** Converts anything thrown into a Status; unknown errors become InternalError. */
export function toStatus(err: unknown): Status {
  if (EdgewiseError.is(err)) return err.toStatus();
  const message = err instanceof Error ? err.message : String(err);
  return new EdgewiseError('EW_INTERNAL', `internal error: ${message}`).toStatus();
}

/** Recreates an EdgewiseError from a Status received over HTTP. */
export function fromStatus(status: Status): EdgewiseError {
  const entry = Object.entries(ERROR_CODES).find(
    ([, info]) => info.status === status.code && info.reason === status.reason,
  );
  const code = (entry?.[0] as ErrorCode | undefined) ?? codeForHttpStatus(status.code);
  return new EdgewiseError(code, status.message, status.details);
}

function codeForHttpStatus(httpStatus: number): ErrorCode {
  const entry = Object.entries(ERROR_CODES).find(([, info]) => info.status === httpStatus);
  return (entry?.[0] as ErrorCode | undefined) ?? 'EW_INTERNAL';
}

export function notFound(kind: string, name: string, group = ''): EdgewiseError {
  const qualified = group ? `${kind}.${group}` : kind;
  return new EdgewiseError('EW_NOT_FOUND', `${qualified} "${name}" not found`, { name, group, kind });
}

export function alreadyExists(kind: string, name: string, group = ''): EdgewiseError {
  const qualified = group ? `${kind}.${group}` : kind;
  return new EdgewiseError('EW_ALREADY_EXISTS', `${qualified} "${name}" already exists`, {
    name,
    group,
    kind,
  });
}

export function conflict(kind: string, name: string, why: string, group = ''): EdgewiseError {
  const qualified = group ? `${kind}.${group}` : kind;
  return new EdgewiseError('EW_CONFLICT', `Operation cannot be fulfilled on ${qualified} "${name}": ${why}`, {
    name,
    group,
    kind,
  });
}

export function invalid(kind: string, name: string, causes: StatusCause[], group = ''): EdgewiseError {
  const qualified = group ? `${kind}.${group}` : kind;
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
  return new EdgewiseError('EW_INVALID', `${qualified} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes,
  });
}
