/** Renders docs/errors.md from the error registry, so every code is documented once, where it is declared. */
import { ERROR_CODES } from './errors.js';

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, info]) => `| \`${code}\` | ${info.status} | ${info.reason} | ${info.doc} |`,
  );
  return [
    '# Error codes',
    '',
    'Every error Edgewise reports across a boundary carries one of these codes. Over HTTP',
    'it is a Kubernetes `Status` with the HTTP status and `reason` below; the CLI prints',
    'hub answers as `Error from server (<reason>): <message>` and local problems as',
    '`error: <message>`. Generated from `src/api/errors.ts` by `node scripts/errors-doc.mjs`;',
    'a test fails when this file and the registry differ.',
    '',
    '| code | HTTP | reason | when |',
    '| --- | ---: | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
