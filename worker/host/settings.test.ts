import { describe, expect, it } from 'vitest';
import { applySettingsPatch, defaultSettings } from './settings';
import { BotError } from '../core/errors';

function code(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (e) {
    return e instanceof BotError ? e.code : 'other';
  }
}

describe('peer settings', () => {
  it('accepts WebSocket relays and STUN/TURN servers, normalised and de-duplicated', () => {
    const next = applySettingsPatch(defaultSettings, {
      relays: [
        'wss://relay.example.org/signal',
        'wss://relay.example.org/signal',
        'ws://10.0.0.2:8080',
      ],
      iceServers: [
        { urls: 'stun:stun.example.org:3478' },
        { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' },
      ],
    });
    expect(next.relays).toEqual(['wss://relay.example.org/signal', 'ws://10.0.0.2:8080/']);
    expect(next.iceServers).toEqual([
      { urls: 'stun:stun.example.org:3478' },
      { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' },
    ]);
  });

  it('keeps the fields a patch does not name', () => {
    const current = { relays: ['wss://a.example/'], iceServers: [{ urls: 'stun:s.example' }] };
    expect(applySettingsPatch(current, { relays: [] })).toEqual({
      relays: [],
      iceServers: current.iceServers,
    });
  });

  it('refuses what the network layer could not use', () => {
    expect(
      code(() => applySettingsPatch(defaultSettings, { relays: ['https://relay.example.org'] })),
    ).toBe('BAD_REQUEST');
    expect(code(() => applySettingsPatch(defaultSettings, { relays: ['not a url'] }))).toBe(
      'BAD_REQUEST',
    );
    expect(
      code(() => applySettingsPatch(defaultSettings, { relays: Array(9).fill('wss://a.example') })),
    ).toBe('BAD_REQUEST');
    expect(
      code(() =>
        applySettingsPatch(defaultSettings, { iceServers: [{ urls: 'http://stun.example' }] }),
      ),
    ).toBe('BAD_REQUEST');
    expect(
      code(() =>
        applySettingsPatch(defaultSettings, { iceServers: [{ urls: 'turn:turn.example' }] }),
      ),
    ).toBe('BAD_REQUEST');
    expect(code(() => applySettingsPatch(defaultSettings, { colour: 'blue' }))).toBe('BAD_REQUEST');
    expect(code(() => applySettingsPatch(defaultSettings, null))).toBe('BAD_REQUEST');
  });
});
