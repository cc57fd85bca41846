import { describe, expect, it } from 'vitest';
import { compileProgram } from '../cel.ts';
import { EVERY_EVENT, namedEvents, narrow, type Scope } from './scope.ts';

const show = (s: Scope) => ({
  names: s.names === null ? null : [...s.names].sort(),
  notNames: [...s.notNames].sort(),
  types: s.types === null ? null : [...s.types].sort(),
  notTypes: [...s.notTypes].sort(),
});
const all = { names: null, notNames: [], types: null, notTypes: [] };

describe('narrow', () => {
  it.each<[string, boolean, Partial<ReturnType<typeof show>>]>([
    ['event == "A"', true, { names: ['A'] }],
    ['"A" == event', true, { names: ['A'] }],
    ['message.event == "A"', true, { names: ['A'] }],
    ['event == "A"', false, { notNames: ['A'] }],
    ['event != "A"', true, { notNames: ['A'] }],
    ['event in ["A", "B"]', true, { names: ['A', 'B'] }],
    ['!(event in ["A", "B"])', true, { notNames: ['A', 'B'] }],
    ['type == "track" && event in ["Order Completed", "Checkout Started"]', true, { types: ['track'], names: ['Checkout Started', 'Order Completed'] }],
    ['event in ["A", "B"] && event != "B"', true, { names: ['A'] }],
    ['event == "A" || event == "B"', true, { names: ['A', 'B'] }],
    ['event == "A" || properties.x > 1', true, {}],
    ['event == "A" || event == "B"', false, { notNames: ['A', 'B'] }],
    ['type != "identify" && type != "group"', true, { notTypes: ['group', 'identify'] }],
    ['type in ["page", "screen"]', true, { types: ['page', 'screen'] }],
    ['properties.revenue > 10', true, {}],
    ['event == properties.other', true, {}],
    ['event in properties.list', true, {}],
  ])('%s (%s)', (expr, positive, expected) => {
    expect(show(narrow(compileProgram(expr).ast, EVERY_EVENT, positive))).toEqual({ ...all, ...expected });
  });
});

describe('namedEvents', () => {
  it('finds the event names compared with, through && || ! and ?:', () => {
    const ast = compileProgram('type == "track" && (event in ["A", "B"] || !(event == "C")) ? event != "D" : "E" == event').ast;
    expect(namedEvents(ast).map((n) => n.name)).toEqual(['A', 'B', 'C', 'D', 'E']);
  });
  it('ignores other string comparisons', () => {
    expect(namedEvents(compileProgram('name == "Home" && properties.x in ["a"]').ast)).toEqual([]);
  });
});
