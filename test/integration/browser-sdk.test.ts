import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { closeServer, listenOn } from '../support/server.ts';
import { pipeline, REPO_ROOT, STORE_PLAN, type Receiver, type Sluice } from '../support/index.ts';

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SDK_BUNDLE = join(REPO_ROOT, 'node_modules/@segment/analytics-next/dist/umd/index.js');

const PAGE = `<!doctype html><html><head><title>Sluice shop</title><script src="/analytics-next.js"></script></head><body>shop</body></html>`;

const h = useHarness();
const writeKey = `wk-browser-${randomUUID()}`;
let sluice: Sluice;
let receiver: Receiver;
let pageUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`starting headless Chromium: ${CHROMIUM} does not exist; install the Debian package chromium (make system-deps) or set SLUICE_CHROMIUM`);
  }
  receiver = await h.receiver();
  sluice = await h.sluice({ manifests: pipeline({ writeKey, webhookUrl: receiver.url, plan: STORE_PLAN }) });
  // The shop page is served from its own origin, as a real site is: the SDK's calls to
  // Sluice are cross-origin and need its CORS answers.
  const bundle = readFileSync(SDK_BUNDLE);
  const site = createServer((req, res) => {
    if (req.url === '/analytics-next.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else res.writeHead(404).end();
  });
  pageUrl = `http://127.0.0.1:${await listenOn(site)}/`;
  h.defer(() => closeServer(site));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
});

describe('@segment/analytics-next in headless Chromium against sluice run', () => {
  it('loads its settings from the ingest and delivers a track event to the webhook', async () => {
    const page = await browser!.newPage();
    const problems: string[] = [];
    const calls: Array<{ url: string; status: number }> = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.url().startsWith(sluice.url)) calls.push({ url: r.url().slice(sluice.url.length), status: r.status() });
    });
    await page.goto(pageUrl);

    const result = await page.evaluate(
      async ({ writeKey, cdnURL }) => {
        interface Ctx { event: { messageId: string } }
        interface Sdk { track(name: string, props: Record<string, unknown>): Promise<Ctx> }
        const g = globalThis as unknown as { AnalyticsNext: { AnalyticsBrowser: { load(s: { writeKey: string; cdnURL: string }): Promise<[Sdk, unknown]> } } };
        const [analytics] = await g.AnalyticsNext.AnalyticsBrowser.load({ writeKey, cdnURL });
        const ctx = await analytics.track('Product Viewed', { product_id: 'p-browser', price: 12 });
        return { messageId: ctx.event.messageId };
      },
      { writeKey, cdnURL: sluice.url },
    ).catch((e: unknown) => {
      throw new Error(`running the SDK in the page: ${String(e)}\n${problems.join('\n')}`, { cause: e });
    });

    expect(result.messageId).toMatch(/.+/);
    await receiver.waitForDelivered([result.messageId], 20_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nSluice answered the page: ${JSON.stringify(calls)}\n${problems.join('\n')}`, { cause: e });
    });
    await page.close();

    expect(calls).toContainEqual({ url: `/v1/projects/${writeKey}/settings`, status: 200 });
    expect(calls.some((c) => /^\/v1\/(t|b|track|batch)$/.test(c.url) && c.status === 200), JSON.stringify(calls)).toBe(true);
    const event = receiver.delivered().find((e) => e.messageId === result.messageId);
    expect(event).toMatchObject({ type: 'track', event: 'Product Viewed', properties: { product_id: 'p-browser', price: 12 } });
    const context = event?.context as { library?: { name?: string }; page?: { url?: string }; userAgent?: string } | undefined;
    expect(context?.library?.name).toBe('analytics.js');
    expect(context?.page?.url).toBe(pageUrl);
    expect(context?.userAgent).toMatch(/Chrome/);
    expect(typeof event?.receivedAt).toBe('string');
    expect(typeof event?.anonymousId).toBe('string');
  });
});
