import { describe, expect, it } from 'vitest';
import { smsInfo } from '../../src/content/sms.js';

describe('smsInfo', () => {
  it.each([
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
  ])('GSM-7: %i characters take %i segment(s)', (length, segments) => {
    expect(smsInfo('a'.repeat(length))).toEqual({
      encoding: 'GSM-7',
      segments,
      characters: length,
    });
  });

  it.each([
    [70, 1],
    [71, 2],
  ])('UCS-2: %i characters take %i segment(s)', (length, segments) => {
    expect(smsInfo('ж'.repeat(length))).toEqual({
      encoding: 'UCS-2',
      segments,
      characters: length,
    });
  });

  it('counts GSM-7 extension characters as two', () => {
    expect(smsInfo('€{')).toEqual({ encoding: 'GSM-7', segments: 1, characters: 4 });
    expect(smsInfo('€'.repeat(80)).segments).toBe(1);
    expect(smsInfo('€'.repeat(81)).segments).toBe(2);
  });

  it('keeps accented Latin letters of the GSM-7 alphabet in GSM-7', () => {
    expect(smsInfo('Café à Montréal').encoding).toBe('GSM-7');
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7', () => {
    expect(smsInfo(`${'a'.repeat(100)}Ç`).encoding).toBe('GSM-7');
    expect(smsInfo(`${'a'.repeat(100)}ê`)).toEqual({
      encoding: 'UCS-2',
      segments: 2,
      characters: 101,
    });
  });

  it('counts an emoji as two UCS-2 units', () => {
    expect(smsInfo('👍')).toEqual({ encoding: 'UCS-2', segments: 1, characters: 2 });
  });

  it('gives an empty body no segment', () => {
    expect(smsInfo('')).toEqual({ encoding: 'GSM-7', segments: 0, characters: 0 });
  });
});
