import { describe, expect, it } from 'vitest';
import { EVENT_CODES } from './codes.ts';
import { checkEvent } from './validate.ts';
import type { EventType } from '../event.ts';

const u = { userId: 'u1' };
type Case = [string, unknown, EventType | undefined, string | undefined, string?];

const cases: Case[] = [
  ['a well-formed track', { ...u, event: 'A', properties: {} }, 'track', undefined],
  ['anonymous only', { anonymousId: 'a', event: 'A' }, 'track', undefined],
  ['null properties are absent', { ...u, event: 'A', properties: null }, 'track', undefined],
  ['a batch item carries its type', { ...u, type: 'identify', traits: {} }, undefined, undefined],
  ['every type well-formed: page', { ...u, name: 'Home' }, 'page', undefined],
  ['every type well-formed: screen', { ...u }, 'screen', undefined],
  ['every type well-formed: group', { ...u, groupId: 'g' }, 'group', undefined],
  ['every type well-formed: alias', { userId: 'new', previousId: 'old' }, 'alias', undefined],
  ['not an object', [1], undefined, 'event_not_object', ''],
  ['a string item', 'track', undefined, 'event_not_object', ''],
  ['missing type in a batch', { ...u }, undefined, 'invalid_type', 'type'],
  ['unknown type', { ...u, type: 'purchase' }, undefined, 'invalid_type', 'type'],
  ['no ids', { event: 'A' }, 'track', 'no_user_anon_id', 'userId'],
  ['empty ids', { userId: '', anonymousId: null, event: 'A' }, 'track', 'no_user_anon_id', 'userId'],
  ['numeric userId', { userId: 42, event: 'A' }, 'track', 'id_not_string', 'userId'],
  ['object anonymousId', { anonymousId: {}, event: 'A' }, 'track', 'id_not_string', 'anonymousId'],
  ['track without event', { ...u }, 'track', 'event_not_defined', 'event'],
  ['track with empty event', { ...u, event: '' }, 'track', 'event_not_defined', 'event'],
  ['track with numeric event', { ...u, event: 7 }, 'track', 'event_not_string', 'event'],
  ['properties an array', { ...u, event: 'A', properties: [1] }, 'track', 'properties_not_object', 'properties'],
  ['page properties a string', { ...u, properties: 'x' }, 'page', 'properties_not_object', 'properties'],
  ['identify traits a string', { ...u, traits: 'x' }, 'identify', 'traits_not_object', 'traits'],
  ['group traits an array', { ...u, groupId: 'g', traits: [] }, 'group', 'traits_not_object', 'traits'],
  ['group without groupId', { ...u }, 'group', 'group_id_missing', 'groupId'],
  ['group with numeric groupId', { ...u, groupId: 5 }, 'group', 'id_not_string', 'groupId'],
  ['alias without previousId', { userId: 'new' }, 'alias', 'previous_id_missing', 'previousId'],
  ['alias without userId', { previousId: 'old', anonymousId: 'a' }, 'alias', 'user_id_missing', 'userId'],
  ['context a string', { ...u, event: 'A', context: 'x' }, 'track', 'context_not_object', 'context'],
  ['integrations an array', { ...u, event: 'A', integrations: [] }, 'track', 'integrations_not_object', 'integrations'],
  ['messageId too long', { ...u, event: 'A', messageId: 'm'.repeat(101) }, 'track', 'message_id_invalid', 'messageId'],
  ['messageId a number', { ...u, event: 'A', messageId: 5 }, 'track', 'message_id_invalid', 'messageId'],
  ['messageId of 100 chars', { ...u, event: 'A', messageId: 'm'.repeat(100) }, 'track', undefined],
];

describe('checkEvent', () => {
  it.each(cases)('%s', (_name, item, type, code, field) => {
    const got = checkEvent(item, type);
    if (code === undefined) expect(got).toBeUndefined();
    else expect(got).toEqual({ code, field });
  });

  it('has a case for every event code it can return', () => {
    const covered = new Set(cases.map((c) => c[3]).filter(Boolean));
    // event_too_large is decided from the raw size (admit.test.ts), not here.
    const expected = Object.keys(EVENT_CODES).filter((c) => c !== 'event_too_large');
    expect([...covered].sort()).toEqual(expected.sort());
  });
});
