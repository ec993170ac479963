// The procedures' notifications over HTTP (Y.4464 clause 10, issue 17): a Server-Sent Events
// stream filtered by kind, which a client leaves and re-opens with Last-Event-ID: it receives
// exactly the notifications committed while it was away (none twice, none lost), then the live
// ones; the list route pages the same notifications; bad input is a JSON error with its status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call, put, waitCommitted } from './testing';

const root = mkdtempSync(join(tmpdir(), 'bot-notify-'));
let peer: RunningPeer;
let base: string;

beforeAll(async () => {
  peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true });
  base = peer.url;
});

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Frame {
  id?: string;
  event?: string;
  data?: any;
}

/** An open event stream: frames as they arrive. */
async function openStream(path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(base + path, { signal: controller.signal, headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const frames: Frame[] = [];
  /** Read until `count` notification frames have arrived (the stream's own pace, no timers). */
  const until = async (count: number) => {
    while (frames.filter((f) => f.event === 'notification').length < count) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const frame: Frame = {};
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(': ');
          const value = rest.join(': ');
          if (field === 'id') frame.id = value;
          if (field === 'event') frame.event = value;
          if (field === 'data') frame.data = JSON.parse(value);
        }
        if (frame.event) frames.push(frame);
      }
    }
    return frames.filter((f) => f.event === 'notification');
  };
  return { frames, until, close: () => controller.abort() };
}

describe('notifications as Server-Sent Events (Y.4464 clause 10)', () => {
  it('a client that reconnects with Last-Event-ID gets exactly what it missed, then the live ones', async () => {
    const me = (await call(base, 'GET', '/v1/identity')).body.did as string;
    const first = await openStream(`/v1/notifications?kinds=data.stored&to=${me}`);
    const t1 = await put(base, 'sse/1', 1);
    const [one] = await first.until(1);
    expect(one!.data).toMatchObject({ kind: 'data.stored', subject: 'sse/1', txId: t1, to: [me] });
    expect(one!.id).toBe(one!.data.id);
    expect(one!.id).toMatch(/^\d+\/\d+$/);
    first.close();

    // away: two more are committed
    const t2 = await put(base, 'sse/2', 2);
    const t3 = await put(base, 'sse/3', 3);
    await waitCommitted(base, t2);
    await waitCommitted(base, t3);

    const again = await openStream('/v1/notifications?kinds=data.stored', {
      'last-event-id': one!.id!,
    });
    const missed = await again.until(2);
    expect(missed.map((f) => f.data.txId)).toEqual([t2, t3]);
    expect(again.frames.some((f) => f.event === 'gap')).toBe(false);
    const t4 = await put(base, 'sse/4', 4);
    const all = await again.until(3);
    expect(all.map((f) => f.data.txId)).toEqual([t2, t3, t4]);
    again.close();

    // a stream filtered by another kind hears none of them
    const list = await call(
      base,
      'GET',
      `/v1/notifications/list?kinds=data.stored&after=${one!.id}`,
    );
    expect(list.status).toBe(200);
    expect(list.body.notifications.map((n: { txId: string }) => n.txId)).toEqual([t2, t3, t4]);
    expect(list.body.gap).toBe(false);
    const paged = await call(base, 'GET', '/v1/notifications/list?kinds=data.stored&limit=1');
    expect([paged.body.notifications.length, paged.body.more]).toEqual([1, true]);
    const none = await call(base, 'GET', '/v1/notifications/list?kinds=device.blocked');
    expect(none.body.notifications).toEqual([]);
  });

  it('refuses bad input with a JSON error before a stream starts', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['/v1/notifications', { 'last-event-id': 'yesterday' }, '<height>/<index>'],
      ['/v1/notifications?kinds=device.exploded', {}, 'kinds'],
      ['/v1/notifications/list?limit=0', {}, 'limit'],
      ['/v1/notifications/list?after=1', {}, 'after'],
      [`/v1/notifications/list?subject=${'s'.repeat(300)}`, {}, 'subject'],
    ];
    for (const [path, headers, words] of cases) {
      const reply = await call(base, 'GET', path, undefined, headers);
      expect(reply.status, path).toBe(400);
      expect(reply.body.error.message, path).toContain(words);
    }
    expect((await call(base, 'GET', '/v1/status')).status).toBe(200);
  });
});
