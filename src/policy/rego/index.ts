/**
 * Edgewise's Rego engine: compile modules once, evaluate queries, references
 * and data paths against input and base data. See docs/policy.md.
 *
 * @example
 * const policy = compile([{ path: 'authz.rego', source }]);
 * const allowed = policy.evalRef('data.authz.allow', { input });
 */
export type { CompileOptions, ModuleSource } from './compile/compiler.js';
export { RegoError, type RegoErrorCode, type RegoErrorDetail, type RegoLocation } from './errors.js';
export type { BudgetOptions } from './eval/ctx.js';
export {
  createDataApiHandler,
  type DataApiOptions,
  OpaApiError,
  readDataRequest,
  sendOpaError,
} from './http.js';
export {
  CompiledPolicy,
  compile,
  type EvalOptions,
  PreparedData,
  prepareData,
  type QueryResult,
  type RawResult,
} from './policy.js';
export type { Module, RegoVersion } from './syntax/ast.js';
export { parseModule, parseQuery } from './syntax/parser.js';
export { fromJSON, type JSONValue, setMaxJsonDepth, toJSON, toJSONText } from './value/json.js';
export { compare, equals, RObject, RSet, type Value } from './value/value.js';
