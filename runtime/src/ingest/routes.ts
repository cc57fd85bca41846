import type { EventType } from '../event.ts';

export type Route =
  /** type undefined: a batch endpoint, whose items carry their own types. */
  | { kind: 'events'; endpoint: string; type: EventType | undefined; method: 'POST' }
  | { kind: 'telemetry'; endpoint: 'm'; method: 'POST' }
  | { kind: 'pixel'; endpoint: 'pixel'; type: EventType | undefined; method: 'GET' }
  | { kind: 'settings'; endpoint: 'settings'; writeKey: string; method: 'GET' }
  | { kind: 'unknown'; endpoint: 'unknown' };

const TYPE_BY_NAME: Record<string, EventType> = {
  track: 'track', t: 'track',
  identify: 'identify', i: 'identify',
  page: 'page', p: 'page',
  screen: 'screen', s: 'screen',
  group: 'group', g: 'group',
  alias: 'alias', a: 'alias',
};

const EVENT_ROUTES = new Map<string, Route>();
for (const [name, type] of Object.entries(TYPE_BY_NAME)) EVENT_ROUTES.set(name, { kind: 'events', endpoint: name, type, method: 'POST' });
for (const name of ['batch', 'b', 'import']) EVENT_ROUTES.set(name, { kind: 'events', endpoint: name, type: undefined, method: 'POST' });
EVENT_ROUTES.set('m', { kind: 'telemetry', endpoint: 'm', method: 'POST' });

const UNKNOWN: Route = { kind: 'unknown', endpoint: 'unknown' };
const SETTINGS = /^projects\/([^/]{1,512})\/settings\/?$/;

/** Maps the part of the path after "/v1/" (no query) to what serves it. */
export function route(rest: string): Route {
  const known = EVENT_ROUTES.get(rest.endsWith('/') ? rest.slice(0, -1) : rest);
  if (known) return known;
  if (rest.startsWith('pixel/')) {
    const type = TYPE_BY_NAME[rest.slice(6)];
    return type ? { kind: 'pixel', endpoint: 'pixel', type, method: 'GET' } : UNKNOWN;
  }
  const settings = SETTINGS.exec(rest);
  if (settings) {
    try {
      return { kind: 'settings', endpoint: 'settings', writeKey: decodeURIComponent(settings[1]!), method: 'GET' };
    } catch {
      return UNKNOWN;
    }
  }
  return UNKNOWN;
}

/** Splits a request URL into the route part after /v1/ and the query string. */
export function splitUrl(url: string): { rest: string; query: string } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return { rest: path.startsWith('/v1/') ? path.slice(4) : path, query: q < 0 ? '' : url.slice(q + 1) };
}
