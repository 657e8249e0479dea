/**
 * Image references: `[registry/]repository[:tag][@sha256:…]`. A first component
 * with a dot, a colon or `localhost` names the registry; otherwise the default
 * registry applies (Docker Hub style, with `library/` for single names).
 */
import { EdgewiseError } from '../../api/errors.js';

export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const REPO = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseReference(text: string, defaultRegistry = 'docker.io'): ImageReference {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(text, `digest "${digest}" is not sha256:<64 hex>`);
  }
  let registry = defaultRegistry;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    rest = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(text, `tag "${tag}" is not valid`);
  }
  if (registry === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  if (!REPO.test(rest))
    throw bad(text, `repository "${rest}" is not valid (lowercase letters, digits, separators)`);
  if (!tag && !digest) tag = 'latest';
  const ref: ImageReference = { registry, repository: rest };
  if (tag) ref.tag = tag;
  if (digest) ref.digest = digest;
  return ref;
}

export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

function bad(text: string, why: string): EdgewiseError {
  return new EdgewiseError('EW_INVALID', `image reference "${text}" is invalid: ${why}`, {
    causes: [{ reason: 'InvalidImageName', message: why }],
  });
}
