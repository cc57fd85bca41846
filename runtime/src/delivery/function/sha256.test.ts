import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { makeSha256 } from './sha256.ts';

const sha256 = makeSha256();
const reference = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('makeSha256', () => {
  it.each([
    ['empty', ''],
    ['abc', 'abc'],
    ['e-mail', 'person@example.com'],
    ['55 bytes: padding fits the block', 'a'.repeat(55)],
    ['56 bytes: padding spills into a second block', 'a'.repeat(56)],
    ['64 bytes', 'b'.repeat(64)],
    ['1000 bytes', 'xyz'.repeat(333) + 'x'],
    ['two-byte UTF-8', 'héllo wörld'],
    ['three-byte UTF-8', '東京'],
    ['surrogate pair', 'smile 😀'],
    ['lone high surrogate becomes U+FFFD', 'a\ud800b'],
    ['lone low surrogate becomes U+FFFD', 'a\udc00b'],
  ])('%s matches node:crypto', (_name, input) => {
    expect(sha256(input)).toBe(reference(input));
  });

  it('is self-contained, so the sandbox can rebuild it from its source', () => {
    const rebuilt = runInNewContext(`(${makeSha256.toString()})()`) as (s: string) => string;
    expect(rebuilt('abc')).toBe(reference('abc'));
  });
});
