import { Type, type Static } from '@sinclair/typebox';
import { plannedClient, wholeRequest } from '../../batching/index.ts';
import type { DestinationContext, DestinationType } from '../../types.ts';
import { buildWebhookRequests, type WebhookTarget } from './request.ts';

const HeaderName = Type.String({ pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$', maxLength: 256 });

export const WebhookSettings = Type.Object(
  {
    url: Type.String({ description: 'Where events are sent (http or https).', pattern: '^https?://[^\\s]+$', maxLength: 2048 }),
    method: Type.Optional(
      Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH')], { description: 'HTTP method.', default: 'POST' }),
    ),
    headers: Type.Optional(
      Type.Record(HeaderName, Type.String({ maxLength: 8192 }), { description: 'Static headers sent with every request.', maxProperties: 64 }),
    ),
    headersFromSecret: Type.Optional(
      Type.Record(HeaderName, Type.String({ minLength: 1, maxLength: 253 }), {
        description: 'Header name → key of the credentials Secret holding its value (e.g. Authorization: token).',
        maxProperties: 64,
      }),
    ),
    batch: Type.Optional(
      Type.Boolean({
        description: 'true: one request per batch with body {"batch": [events]} (Segment\'s batch shape); false: one request per event, the event as body.',
        default: false,
      }),
    ),
    signing: Type.Optional(
      Type.Object(
        {
          secretKey: Type.String({ description: 'Key of the credentials Secret holding the HMAC key.', minLength: 1, maxLength: 253 }),
          header: Type.Optional({ ...HeaderName, description: 'Header carrying the signature.', default: 'X-Sluice-Signature' }),
        },
        { description: 'Signs each body: HMAC-SHA256 over the exact bytes, sent as "sha256=<hex>".', additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type WebhookSettings = Static<typeof WebhookSettings>;

/** Reads the settings against the credentials; throws naming every key that is missing. */
export function resolveTarget(settings: WebhookSettings, credentials: Record<string, string>): WebhookTarget {
  const missing: string[] = [];
  const secret = (key: string, what: string) => {
    const v = credentials[key];
    if (v === undefined) missing.push(`${what} names credentials key "${key}", which the Secret does not have`);
    return v ?? '';
  };
  const headers: Record<string, string> = { ...settings.headers };
  for (const [name, key] of Object.entries(settings.headersFromSecret ?? {})) headers[name] = secret(key, `headersFromSecret.${name}`);
  const signing = settings.signing
    ? { key: secret(settings.signing.secretKey, 'signing.secretKey'), header: settings.signing.header ?? 'X-Sluice-Signature' }
    : undefined;
  if (missing.length > 0) throw new Error(`webhook settings: ${missing.join('; ')}`);
  return { url: settings.url, method: settings.method ?? 'POST', headers, batch: settings.batch ?? false, ...(signing ? { signing } : {}) };
}

export const webhook: DestinationType<WebhookSettings> = {
  type: 'webhook',
  displayName: 'Webhook',
  description: 'Sends events as JSON to any HTTP endpoint, one request per event or per batch, optionally signed.',
  settingsSchema: WebhookSettings,
  create(ctx: DestinationContext<WebhookSettings>) {
    const target = resolveTarget(ctx.settings, ctx.credentials);
    const secrets = Object.values(ctx.credentials);
    return plannedClient({
      build: (batch) => ({ requests: buildWebhookRequests(batch, target), refused: [] }),
      classify: wholeRequest(secrets),
      secrets,
      maxBatchSize: target.batch ? undefined : 1,
    });
  },
};
