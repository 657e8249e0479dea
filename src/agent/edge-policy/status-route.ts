/**
 * `GET /edgewise/v1/policy` on the local API: what is in force on this node and how
 * each policy/data ConfigMap loaded, and the decision log's backlog — the same view
 * the hub gets, readable on the box with the hub gone.
 */
import type { PolicySourceStatus } from '../../api/link-protocol.js';
import type { LocalRoute } from '../local-api.js';
import type { Bundle } from './bundle.js';
import type { DecisionLog } from './decision-log.js';
import { sourceKey } from './sources.js';

export const STATUS_PATH = '/edgewise/v1/policy';

export function statusRoute(options: {
  bundle: () => Bundle;
  statuses: () => readonly PolicySourceStatus[];
  log: DecisionLog;
}): LocalRoute {
  return (req, res, url) => {
    if (url.pathname !== STATUS_PATH || req.method !== 'GET') return false;
    const bundle = options.bundle();
    const body = {
      revision: bundle.revision,
      hash: bundle.hash,
      loadedAt: bundle.loadedAt,
      inForce: bundle.sources.map((s) => ({
        configMap: sourceKey(s),
        kind: s.kind,
        fingerprint: s.fingerprint,
      })),
      sources: options.statuses(),
      decisions: { pending: options.log.pending, dropped: options.log.dropped },
    };
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body));
    return true;
  };
}
