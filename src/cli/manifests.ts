/**
 * Reads manifests for `apply`, `delete` and `get -f`: files, directories (recursively,
 * .yaml/.yml/.json only) or stdin, multi-document YAML, `kind: List` expanded. Every
 * problem names the file, the document and the field.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/object.js';

export interface ManifestDocument {
  /** File path as given, or `-` for stdin. */
  source: string;
  /** 1-based position of the document in its file. */
  document: number;
  object: KubeObject;
}

/** A problem with a manifest, worded for the person who wrote it. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function listFiles(target: string): string[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(target);
  } catch {
    throw new ManifestError(`the path "${target}" does not exist`);
  }
  if (!stat.isDirectory()) return [target];
  const files: string[] = [];
  for (const entry of readdirSync(target, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) files.push(full);
  }
  return files;
}

export function readManifests(
  targets: readonly string[],
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  for (const target of targets) {
    if (target === '-') {
      documents.push(...parseManifests(readStdin(), '-'));
      continue;
    }
    for (const file of listFiles(target)) documents.push(...parseManifests(readFileSync(file, 'utf8'), file));
  }
  return documents;
}

export function parseManifests(text: string, source: string): ManifestDocument[] {
  const out: ManifestDocument[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const number = i + 1;
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const where = pos ? ` line ${pos.line}, column ${pos.col}` : '';
      throw new ManifestError(
        `${source}: document ${number}:${where}: invalid YAML: ${err.message.split('\n')[0]}`,
      );
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document (comments, trailing ---)
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ManifestError(
        `${source}: document ${number}: a manifest must be a mapping with apiVersion, kind and metadata`,
      );
    }
    const object = value as KubeObject;
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
      object.items.forEach((item, j) => {
        out.push(checked(item, source, number, `items[${j}]`));
      });
      return;
    }
    out.push(checked(object, source, number, ''));
  });
  return out;
}

function checked(value: unknown, source: string, document: number, prefix: string): ManifestDocument {
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const where = `${source}: document ${document}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ManifestError(`${where}: ${prefix || 'document'} must be a mapping`);
  }
  const object = value as Record<string, unknown>;
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof object[field] !== 'string' || object[field] === '') {
      throw new ManifestError(
        `${where}: ${at(field)}: Required value: every manifest needs apiVersion and kind`,
      );
    }
  }
  const metadata = object.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ManifestError(`${where} (${String(object.kind)}): ${at('metadata')}: Required value`);
  }
  const meta = metadata as Record<string, unknown>;
  if ((typeof meta.name !== 'string' || meta.name === '') && typeof meta.generateName !== 'string') {
    throw new ManifestError(`${where} (${String(object.kind)}): ${at('metadata.name')}: Required value`);
  }
  return { source, document, object: object as KubeObject };
}
