import { describe, expect, it } from 'vitest';
import { parseBusUrl } from './bus-url.ts';

describe('parseBusUrl', () => {
  it.each([
    ['nats://nats.sluice:4222', { engine: 'nats', servers: ['nats://nats.sluice:4222'] }],
    ['nats://a:4222, nats://b:4222', { engine: 'nats', servers: ['nats://a:4222', 'nats://b:4222'] }],
    ['tls://nats:4222', { engine: 'nats', servers: ['tls://nats:4222'] }],
    ['sqlite:/var/lib/sluice/bus.db', { engine: 'embedded', path: '/var/lib/sluice/bus.db' }],
    ['sqlite:///var/lib/sluice/bus.db', { engine: 'embedded', path: '/var/lib/sluice/bus.db' }],
    ['sqlite:bus.db', { engine: 'embedded', path: 'bus.db' }],
  ])('reads %s', (url, target) => {
    expect(parseBusUrl(url)).toEqual(target);
  });

  it.each([
    ['', 'empty'],
    ['sqlite:', 'no file path'],
    ['http://nats:4222', 'unknown scheme "http"'],
    ['nats-host:4222', 'unknown scheme "nats-host"'],
    ['localhost', 'not a URL'],
  ])('refuses "%s"', (url, message) => {
    expect(() => parseBusUrl(url)).toThrow(message);
  });
});
