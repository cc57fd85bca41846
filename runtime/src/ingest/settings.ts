/** Where browsers reach this ingest: host[:port][/prefix] without the /v1, and the scheme. */
export interface ApiBase {
  host: string;
  protocol: 'http' | 'https';
}

const HOST = /^[A-Za-z0-9.\-:[\]]{1,255}$/;

/** From --public-url / the Source endpoint: https://events.example.com or http://localhost:8080/sluice. */
export function baseFromPublicUrl(publicUrl: string): ApiBase {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch (err) {
    throw new Error(`reading the public URL "${publicUrl}": not a URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`reading the public URL "${publicUrl}": the scheme must be http or https`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return { host: `${url.host}${path}`, protocol: url.protocol === 'https:' ? 'https' : 'http' };
}

/** From the request itself, when no public URL is configured; undefined for a missing or odd Host. */
export function baseFromRequest(host: string | undefined, forwardedProto: string | string[] | undefined, encrypted: boolean): ApiBase | undefined {
  if (!host || !HOST.test(host)) return undefined;
  const proto = (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto)?.split(',', 1)[0]?.trim().toLowerCase();
  return { host, protocol: proto === 'https' || (proto === undefined && encrypted) ? 'https' : 'http' };
}

/**
 * The body analytics-next loads from `${cdnURL}/v1/projects/<writeKey>/settings`. Segment.io
 * is the only integration (no device-mode destinations to download), `apiHost` points the
 * SDK's events here, and the SDK's own telemetry is switched off (sampleRate 0) rather than
 * sent to Segment.
 */
export function settingsBody(writeKey: string, base: ApiBase): Record<string, unknown> {
  const apiHost = `${base.host}/v1`;
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost,
        protocol: base.protocol,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0, host: apiHost },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
