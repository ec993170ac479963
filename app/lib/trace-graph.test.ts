import { describe, expect, it } from 'vitest';
import { layoutJourney, traceIdFrom } from './trace-graph';
import type { TraceJourney, TraceStepView } from '../../worker/api';

const step = (
  ids: string[],
  into: string[],
  status: 'verified' | 'tampered' = 'verified',
): TraceStepView => ({
  txId: 'a'.repeat(64),
  kind: 'merge',
  ids,
  into,
  server: 'http://x',
  hash: 'b'.repeat(64),
  out: null,
  in: 'did:key:z',
  time: 1,
  height: 1,
  blockHash: null,
  status,
  problem: null,
  document: { status: 'not-fetched', message: null },
});

describe('journey graph layout', () => {
  it('puts origins left of the lots made from them, with an edge per parent, and marks tampered lots', () => {
    const journey: TraceJourney = {
      id: 'BOX',
      lots: [
        { id: 'BOX', holder: 'h', parents: ['F1', 'W2'], consumedBy: null, depth: 0 },
        { id: 'F1', holder: 'h', parents: ['W1'], consumedBy: 'c', depth: 1 },
        { id: 'W2', holder: 'h', parents: [], consumedBy: 'c', depth: 1 },
        { id: 'W1', holder: 'h', parents: [], consumedBy: 'c', depth: 2 },
      ],
      steps: [step(['F1', 'W2'], ['BOX']), step(['W1'], [], 'tampered')],
      origins: ['W2', 'W1'],
      verified: false,
      truncated: null,
    };
    const g = layoutJourney(journey);
    const at = (id: string) => g.nodes.find((n) => n.id === id)!;
    expect(at('W1').x).toBeLessThan(at('F1').x);
    expect(at('F1').x).toBeLessThan(at('BOX').x);
    expect(g.edges.map((e) => `${e.from.id}>${e.to.id}`).sort()).toEqual([
      'F1>BOX',
      'W1>F1',
      'W2>BOX',
    ]);
    expect(at('W1').tampered).toBe(true);
    expect(at('BOX').tampered).toBe(false);
    expect(at('W2').origin).toBe(true);
    expect(g.width).toBeGreaterThan(at('BOX').x);
  });

  it('reads an identifier from a scanned text or a Trace link', () => {
    expect(traceIdFrom(' LOT-7 ')).toBe('LOT-7');
    expect(traceIdFrom('https://peer.example/#/trace/BOX%201')).toBe('BOX 1');
  });
});
