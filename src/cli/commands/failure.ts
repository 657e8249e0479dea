/** One readable line for a failed manifest: file, document, object, then the hub's reason. */
import type { EdgewiseError } from '../../api/errors.js';
import type { ManifestDocument } from '../manifests.js';

export function describeFailure(doc: ManifestDocument, err: EdgewiseError): string {
  const object = `${doc.object.kind} "${doc.object.metadata.name ?? doc.object.metadata.generateName ?? ''}"`;
  const causes = err.details?.causes ?? [];
  const reason =
    err.code === 'EW_INVALID' && causes.length > 0
      ? causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ')
      : err.message;
  return `${doc.source}: document ${doc.document} (${object}): ${reason}`;
}
