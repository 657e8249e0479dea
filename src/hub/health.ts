/** /healthz, /livez, /readyz, /version and /metrics. */
import type { Registry } from 'prom-client';
import type { Route } from './http/app.js';
import { VERSION } from './version.js';

export function healthRoutes(metrics: Registry): Route {
  return async (req, res, url) => {
    if (req.method !== 'GET') return false;
    switch (url.pathname) {
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.setHeader('Content-Type', 'text/plain');
        res.end('ok');
        return true;
      case '/version':
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(VERSION));
        return true;
      case '/metrics':
        res.setHeader('Content-Type', metrics.contentType);
        res.end(await metrics.metrics());
        return true;
      default:
        return false;
    }
  };
}
