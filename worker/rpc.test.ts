import { describe, expect, it } from 'vitest';
import { BotError } from './core/errors';
import { rpcContentBytesMax, rpcMessageBytesMax } from './core/limits';
import { rpcBytesAtLeast, rpcRequestFrom } from './rpc';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BotError);
    return (error as BotError).code;
  }
  return 'none';
}

describe('the page -> worker RPC boundary', () => {
  it('passes a known method with small parameters', () => {
    const request = rpcRequestFrom({ id: 7, method: 'status', params: [] });
    expect(request).toEqual({ id: 7, method: 'status', params: [] });
  });

  it('refuses an unknown method or parameters that are not a list', () => {
    expect(codeOf(() => rpcRequestFrom({ id: 1, method: 'nope', params: [] }))).toBe('BAD_REQUEST');
    expect(codeOf(() => rpcRequestFrom({ id: 1, method: 'status', params: 'x' }))).toBe(
      'BAD_REQUEST',
    );
    expect(codeOf(() => rpcRequestFrom(null))).toBe('BAD_REQUEST');
  });

  it('refuses a call larger than rpcMessageBytesMax, in bytes or in text', () => {
    const big = new Uint8Array(rpcMessageBytesMax + 1);
    expect(codeOf(() => rpcRequestFrom({ id: 1, method: 'status', params: [big] }))).toBe(
      'TOO_LARGE',
    );
    const text = 'é'.repeat(rpcMessageBytesMax / 2 + 1); // 2 UTF-8 bytes each
    expect(codeOf(() => rpcRequestFrom({ id: 1, method: 'status', params: [{ text }] }))).toBe(
      'TOO_LARGE',
    );
    const atLimit = new Uint8Array(rpcMessageBytesMax - 8);
    expect(codeOf(() => rpcRequestFrom({ id: 1, method: 'status', params: [atLimit] }))).toBe(
      'none',
    );
  });

  it('lets a dataset version (only) carry more than rpcMessageBytesMax', () => {
    const content = new Uint8Array(4 * rpcMessageBytesMax);
    const call = (params: unknown[]) => () =>
      rpcRequestFrom({ id: 1, method: 'putDatasetVersion', params });
    expect(codeOf(call(['pm25', content]))).toBe('none');
    expect(codeOf(() => rpcRequestFrom({ id: 1, method: 'status', params: [content] }))).toBe(
      'TOO_LARGE',
    );
    expect(rpcContentBytesMax).toBeGreaterThan(100 * 1024 * 1024); // a 100 MB version fits
  });

  it('counts a cyclic or shared object once and stops early on a huge one', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(rpcBytesAtLeast([a, a], 1000)).toBeLessThan(40);
    const many = Array.from({ length: 100_000 }, () => 'abcdefghij');
    expect(rpcBytesAtLeast(many, 100)).toBeLessThan(200);
  });
});
