import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { DESTINATION_TYPES } from '../../../../operator/src/api/destination.ts';
import { DESTINATIONS, destinationType } from './index.ts';

describe('destination registry', () => {
  it('lists exactly the types the Destination API accepts', () => {
    expect(DESTINATIONS.map((t) => t.type).sort()).toEqual([...DESTINATION_TYPES].sort());
  });

  it('has no duplicate names or display names', () => {
    const names = DESTINATIONS.map((t) => t.type);
    const display = DESTINATIONS.flatMap((t) => (t.displayName ? [t.displayName] : []));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(display).size).toBe(display.length);
  });

  it.each(DESTINATIONS.map((t) => [t.type, t] as const))('%s describes itself and every setting', (_, t) => {
    expect(t.description.length).toBeGreaterThan(10);
    expect(t.settingsSchema.type).toBe('object');
    const props = Object.entries(t.settingsSchema.properties as Record<string, { description?: string }>);
    expect(props.length).toBeGreaterThan(0);
    for (const [name, schema] of props) expect(schema.description, `${t.type} settings.${name}`).toBeTruthy();
    expect(Value.Check(t.settingsSchema, { unknownSetting: 1 }), 'unknown settings are rejected').toBe(false);
  });

  it('finds types by name', () => {
    expect(destinationType('webhook')?.type).toBe('webhook');
    expect(destinationType('nope')).toBeUndefined();
  });
});
