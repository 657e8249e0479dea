/** The builtin registry: every family's definitions, by name. */
import { AGGREGATES } from './aggregates.js';
import { BITS_UNITS } from './bits-units.js';
import { COLLECTIONS } from './collections.js';
import { CRYPTO } from './crypto.js';
import { ENCODING } from './encoding.js';
import { GLOB_SEMVER } from './glob-semver.js';
import { GRAPH } from './graph.js';
import { JSON_PATHS } from './json-paths.js';
import { MISC } from './misc.js';
import { NET } from './net.js';
import { NUMBERS } from './numbers.js';
import { OPERATORS } from './operators.js';
import { REGEX } from './regex.js';
import { SPRINTF } from './sprintf.js';
import { STRINGS } from './strings.js';
import { TIME } from './time.js';
import { TYPEOPS } from './typeops.js';
import type { BuiltinDef } from './types.js';

const FAMILIES: BuiltinDef[][] = [
  OPERATORS,
  AGGREGATES,
  STRINGS,
  SPRINTF,
  TYPEOPS,
  NUMBERS,
  COLLECTIONS,
  JSON_PATHS,
  ENCODING,
  REGEX,
  TIME,
  BITS_UNITS,
  GLOB_SEMVER,
  GRAPH,
  NET,
  CRYPTO,
  MISC,
];

export const BUILTINS: ReadonlyMap<string, BuiltinDef> = new Map(
  FAMILIES.flat().map((d) => [d.name, d] as const),
);

/** Whether a builtin exists for a module of the given version (v1 drops deprecated ones). */
export function hasBuiltin(name: string, v1: boolean): boolean {
  const d = BUILTINS.get(name);
  return d !== undefined && !(v1 && d.deprecated);
}
