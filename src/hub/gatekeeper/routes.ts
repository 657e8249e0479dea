/**
 * HTTP routes of the Gatekeeper feature:
 * - `POST /v1/admit`: Gatekeeper's validating webhook. An AdmissionReview
 *   (admission.k8s.io/v1 or v1beta1) in, an AdmissionReview response out, decided
 *   exactly as the hub's own admission decides (another cluster's apiserver can
 *   call it; tests use it to review requests the hub's REST API cannot express).
 * - A clear NotFound for constraint kinds no template defines.
 */
import { EdgewiseError, type Status } from '../../api/errors.js';
import { asRecord } from '../../api/kinds/common.js';
import type { ResourceRegistry } from '../../api/registry.js';
import type { Route } from '../http/app.js';
import { DEFAULT_BODY_LIMIT, decodeBody, readBody } from '../http/body.js';
import { ADMISSION_ACTIONS, isExempt } from './admission-plugin.js';
import { decide, type Judge } from './judge.js';
import { CONSTRAINTS_GROUP } from './names.js';
import type { ResolvedGatekeeperOptions } from './options.js';
import { webhookSubject } from './review.js';

export const WEBHOOK_PATH = '/v1/admit';

export interface AdmissionReviewResponse {
  apiVersion: string;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: Pick<Status, 'code' | 'message' | 'reason'> & { details?: Status['details'] };
    warnings?: string[];
  };
}

/** Reviews one AdmissionReview; exported for in-process callers. */
export async function reviewAdmission(
  judge: Judge,
  options: ResolvedGatekeeperOptions,
  body: unknown,
): Promise<AdmissionReviewResponse> {
  const review = asRecord(body);
  const apiVersion = typeof review.apiVersion === 'string' ? review.apiVersion : 'admission.k8s.io/v1';
  if (review.kind !== 'AdmissionReview' || !/^admission\.k8s\.io\/v1(beta1)?$/.test(apiVersion)) {
    throw new EdgewiseError('EW_BAD_REQUEST', 'expected an AdmissionReview (admission.k8s.io/v1 or v1beta1)');
  }
  const request = asRecord(review.request);
  const uid = typeof request.uid === 'string' ? request.uid : '';
  const subject = webhookSubject(request);
  if (!subject)
    throw new EdgewiseError('EW_BAD_REQUEST', 'the AdmissionReview request has no object or oldObject');
  const reply = (response: Omit<AdmissionReviewResponse['response'], 'uid'>): AdmissionReviewResponse => ({
    apiVersion,
    kind: 'AdmissionReview',
    response: { uid, ...response },
  });
  if (request.operation === 'DELETE' || isExempt(options, subject.namespace)) return reply({ allowed: true });
  const decision = decide(await judge.evaluate(subject, ADMISSION_ACTIONS), options.failurePolicy);
  const warnings = decision.warnings.length > 0 ? { warnings: decision.warnings } : {};
  if (!decision.error) return reply({ allowed: true, ...warnings });
  const status = decision.error.toStatus();
  return reply({
    allowed: false,
    status: {
      code: status.code,
      reason: status.reason,
      message: status.message,
      ...(status.details && { details: status.details }),
    },
    ...warnings,
  });
}

export function webhookRoute(judge: Judge, options: ResolvedGatekeeperOptions): Route {
  return async (req, res, url) => {
    if (url.pathname !== WEBHOOK_PATH) return false;
    if (req.method !== 'POST')
      throw new EdgewiseError(
        'EW_METHOD_NOT_ALLOWED',
        `${req.method ?? ''} is not allowed on ${WEBHOOK_PATH}`,
      );
    const body = decodeBody(await readBody(req, DEFAULT_BODY_LIMIT), req.headers['content-type']);
    const answer = await reviewAdmission(judge, options, body);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(answer));
    return true;
  };
}

const CONSTRAINT_PATH = new RegExp(`^/apis/${CONSTRAINTS_GROUP.replace(/\./g, '\\.')}/([^/]+)/([^/]+)(/|$)`);

/** `/apis/constraints.gatekeeper.sh/v1beta1/<plural>` for a kind no template defines: say what is missing. */
export function unknownConstraintRoute(registry: ResourceRegistry): Route {
  return (_req, _res, url) => {
    const m = CONSTRAINT_PATH.exec(url.pathname);
    if (!m) return false;
    const [, version = '', plural = ''] = m;
    if (registry.byPath(CONSTRAINTS_GROUP, version, plural)) return false;
    const constraintKinds = registry.all().filter((t) => t.group === CONSTRAINTS_GROUP);
    const elsewhere = constraintKinds.find((t) => t.plural === plural);
    if (elsewhere) {
      throw new EdgewiseError(
        'EW_NOT_FOUND',
        `constraint kind ${elsewhere.kind} is served as ${CONSTRAINTS_GROUP}/${elsewhere.version}, not ${version}`,
        { group: CONSTRAINTS_GROUP, kind: plural },
      );
    }
    const known = constraintKinds.map((t) => t.kind).sort();
    throw new EdgewiseError(
      'EW_NOT_FOUND',
      `no constraint kind "${plural}" in ${CONSTRAINTS_GROUP}/${version}: no ConstraintTemplate defines it; ` +
        `create the ConstraintTemplate first (kinds defined now: ${known.length ? known.join(', ') : 'none'})`,
      { group: CONSTRAINTS_GROUP, kind: plural },
    );
  };
}
