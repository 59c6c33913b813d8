import { describe, expect, it } from 'vitest';
import { firstLineSummary } from '../../src/plugins/text.js';

describe('firstLineSummary', () => {
  it('returns the first non-blank line, trimmed', () => {
    expect(firstLineSummary('\n   \r\n  hello world  \r\nsecond')).toBe('hello world');
    expect(firstLineSummary('')).toBe('');
    expect(firstLineSummary(' \n\t\n')).toBe('');
  });

  it('keeps a 160-character line and cuts a longer one to 157 characters plus an ellipsis', () => {
    expect(firstLineSummary('a'.repeat(160))).toBe('a'.repeat(160));
    expect(firstLineSummary('b'.repeat(161))).toBe('b'.repeat(157) + '…');
    expect(firstLineSummary('c'.repeat(20), 10)).toBe('c'.repeat(7) + '…');
  });

  it('counts characters, not UTF-16 units, so emoji are never split', () => {
    expect(firstLineSummary('😀'.repeat(160))).toBe('😀'.repeat(160));
    expect(firstLineSummary('😀'.repeat(200))).toBe('😀'.repeat(157) + '…');
  });
});
