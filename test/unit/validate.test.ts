import { describe, expect, it } from 'vitest';
import { SwarmError } from '../../src/errors.js';
import { MAX_TEXT_BYTES, parseWholeNumber, validateName, validatePercent, validatePriority, validateProgressStatus, validateText, validateVelocity, validateWorkId } from '../../src/model/validate.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as SwarmError).code;
  }
  return 'OK';
};

describe('validation rules', () => {
  it.each([
    ['feature', 'OK'],
    ['bug_fix.v2:core-1', 'OK'],
    ['', 'INVALID_INPUT'],
    ['has space', 'INVALID_INPUT'],
    ['-leading', 'INVALID_INPUT'],
    ['x'.repeat(65), 'INVALID_INPUT'],
    ['ünïcode', 'INVALID_INPUT'],
  ])('name %j -> %s', (v, want) => expect(code(() => validateName('work_type', v))).toBe(want));

  it('keeps quotes, backslashes, newlines, tabs and any Unicode in free text exactly', () => {
    const s = 'say "hi" \\ back\nslash\ttab\r\n ✓ 日本語 مرحبا 🚀 $(rm -rf /) `x` \'q\'';
    expect(validateText('description', s)).toBe(s);
  });

  it.each(['\u0000', '\u0007', '\u001b[31m', '\u007f', '\u000b'])('refuses control character %j', (c) => {
    expect(code(() => validateText('description', `a${c}b`))).toBe('INVALID_INPUT');
  });

  it('limits text by UTF-8 bytes, not characters', () => {
    expect(code(() => validateText('description', 'a'.repeat(MAX_TEXT_BYTES)))).toBe('OK');
    expect(code(() => validateText('description', 'a'.repeat(MAX_TEXT_BYTES + 1)))).toBe('INVALID_INPUT');
    // 3 bytes per character: 2731 * 3 = 8193 bytes
    expect(code(() => validateText('description', '✓'.repeat(2731)))).toBe('INVALID_INPUT');
  });

  it('refuses empty or blank text', () => {
    expect(code(() => validateText('description', '   '))).toBe('INVALID_INPUT');
  });

  it.each([
    ['0', 0],
    ['100', 100],
    [' 42 ', 42],
  ])('percent text %j -> %d (the CLI)', (v, want) => expect(parseWholeNumber('percent', v)).toBe(want));

  it.each(['101', '-1', '5.5', 'abc', '', '1e2', 'NaN'])('percent text %j is refused (the CLI)', (v) => {
    expect(code(() => parseWholeNumber('percent', v))).toBe('INVALID_INPUT');
  });

  it.each([0, 7, 100])('percent %j is taken (the library)', (v) => expect(validatePercent(v)).toBe(v));

  it.each(['50', 101, -1, 50.5, Number.NaN, null])('percent %j is refused (the library takes numbers only)', (v) => {
    expect(code(() => validatePercent(v))).toBe('INVALID_INPUT');
  });

  it('velocity points are whole numbers 0..1000', () => {
    expect(validateVelocity(8)).toBe(8);
    expect(parseWholeNumber('velocity_points', '8')).toBe(8);
    expect(code(() => validateVelocity(1001))).toBe('INVALID_INPUT');
    expect(code(() => parseWholeNumber('velocity_points', 'eight'))).toBe('INVALID_INPUT');
  });

  it('priority is one of the documented set', () => {
    for (const p of ['critical', 'high', 'medium', 'low']) expect(validatePriority(p)).toBe(p);
    expect(code(() => validatePriority('urgent'))).toBe('INVALID_INPUT');
    expect(code(() => validatePriority('HIGH'))).toBe('INVALID_INPUT');
  });

  it('progress cannot set lifecycle states reserved to their own commands', () => {
    expect(validateProgressStatus('review')).toBe('review');
    for (const s of ['completed', 'pending', 'dead', 'cancelled', 'failed']) expect(code(() => validateProgressStatus(s))).toBe('INVALID_INPUT');
  });

  it('work ids accept generated and SwarmSH forms only', () => {
    expect(validateWorkId('work_1795426912610006978')).toBe('work_1795426912610006978');
    expect(code(() => validateWorkId(''))).toBe('INVALID_INPUT');
    expect(code(() => validateWorkId('../etc/passwd'))).toBe('INVALID_INPUT');
  });
});
