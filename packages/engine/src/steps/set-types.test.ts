import { describe, expect, it } from 'vitest';
import { SetTypeError, typeSetValue } from './set-types.js';
import { typeRenderedText } from './values.js';

describe("a set step's output_type", () => {
  it('auto reads numbers, booleans, null, flow lists and mappings and quoted text as YAML 1.2', () => {
    expect(typeSetValue('42')).toBe(42);
    expect(typeSetValue('1e3')).toBe(1000);
    expect(typeSetValue('0x1A')).toBe(26);
    expect(typeSetValue('True')).toBe(true);
    expect(typeSetValue('yes')).toBe('yes');
    expect(typeSetValue('None')).toBe('None');
    expect(typeSetValue('~')).toBeNull();
    expect(typeSetValue('   ')).toBe('');
    expect(typeSetValue('["a", "b"]')).toEqual(['a', 'b']);
    expect(typeSetValue('{"n": 1}')).toEqual({ n: 1 });
    expect(typeSetValue('"q"')).toBe('q');
    expect(typeSetValue('[unclosed')).toBe('[unclosed');
  });

  it('auto keeps prose as written (a deliberate difference: no block mappings, no comments)', () => {
    expect(typeSetValue('revise: shorter please')).toBe('revise: shorter please');
    expect(typeSetValue('hello 4 #5')).toBe('hello 4 #5');
    expect(typeSetValue(7)).toBe(7);
  });

  it('string, integer, number, boolean, list and dict read the text as that type or fail', () => {
    expect(typeSetValue('42', 'string')).toBe('42');
    expect(typeSetValue(42, 'string')).toBe('42');
    expect(typeSetValue(' 7 ', 'integer')).toBe(7);
    expect(typeSetValue('2.5', 'number')).toBe(2.5);
    expect(typeSetValue('Off', 'boolean')).toBe(false);
    expect(typeSetValue('Y', 'boolean')).toBe(true);
    expect(typeSetValue('[1, 2]', 'list')).toEqual([1, 2]);
    expect(typeSetValue('a: 1', 'dict')).toEqual({ a: 1 });
    expect(() => typeSetValue('2.5', 'integer')).toThrow(SetTypeError);
    expect(() => typeSetValue('maybe', 'boolean')).toThrow(/not a boolean/);
    expect(() => typeSetValue('{"a": 1}', 'list')).toThrow(/not a list/);
  });
});

describe('typing of rendered final output text', () => {
  it("follows the original's order: Python words, JSON, float with a dot, integer, else text", () => {
    expect(typeRenderedText('True')).toBe(true);
    expect(typeRenderedText('None')).toBeNull();
    expect(typeRenderedText('null')).toBeNull();
    expect(typeRenderedText('["a", 1]')).toEqual(['a', 1]);
    expect(typeRenderedText("['a']")).toBe("['a']");
    expect(typeRenderedText('3.25')).toBe(3.25);
    expect(typeRenderedText('42')).toBe(42);
    expect(typeRenderedText('1e5')).toBe('1e5');
    expect(typeRenderedText('v1.2.3')).toBe('v1.2.3');
    expect(typeRenderedText('hello')).toBe('hello');
  });
});
