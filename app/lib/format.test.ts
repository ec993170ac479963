import { describe, expect, it } from 'vitest';
import { formatBytes, preview, short } from './format';

describe('format', () => {
  it('shortens long ids and keeps short ones', () => {
    expect(short('abc')).toBe('abc');
    expect(short('a'.repeat(30) + 'zzzzzz', 4)).toBe('aaaa…zzzzzz');
  });
  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(undefined)).toBe('unknown');
  });
  it('bounds previews', () => {
    expect(preview({ a: 1 })).toBe('{"a":1}');
    expect(preview('x'.repeat(500), 10)).toBe(`"xxxxxxxxx…`);
  });
});
