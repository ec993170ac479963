import { describe, expect, it } from 'vitest';
import { layoutMesh, meshNotice } from './mesh-layout';

const n = (did: string, validator: boolean) => ({
  did,
  validator,
  ring: false,
  state: 'open' as const,
  rttMs: 10,
  via: 'relay',
  height: 1,
});

describe('mesh layout', () => {
  it('puts validators first on a ring around the centre', () => {
    const placed = layoutMesh([n('did:b', false), n('did:a', true), n('did:c', true)]);
    expect(placed.map((p) => p.neighbour.did)).toEqual(['did:a', 'did:c', 'did:b']);
    for (const p of placed) expect(Math.hypot(p.x - 50, p.y - 50)).toBeCloseTo(36);
  });
  it('explains why nobody is reachable', () => {
    expect(meshNotice({ webrtc: 'blocked', relays: [], neighbours: [], notice: null })).toMatch(
      /WebRTC is blocked/,
    );
    expect(
      meshNotice({ webrtc: 'ok', relays: [{ state: 'failed' }], neighbours: [], notice: null }),
    ).toMatch(/No signaling relay answers/);
    expect(
      meshNotice({ webrtc: 'ok', relays: [{ state: 'open' }], neighbours: [], notice: null }),
    ).toBeNull();
  });
});
