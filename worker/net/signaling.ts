// Signaling: how two peers that have no link yet exchange announces and SDPs. Every path is
// untrusted (the handshake proves identities) and interchangeable; a message goes out on all
// of them and the first copy to arrive wins:
//   - BroadcastChannel between tabs (workers) of one browser, no server;
//   - WebSocket relays (server/signal.mjs), rooms per chain id;
//   - neighbours already linked (a `signal` frame, forwarded with a hop limit; hub.ts).
import { didLengthMax } from '../core/crypto/did';
import { botError } from '../core/errors';
import {
  candidateBytesMax,
  relayBackoffMaxMs,
  relayBackoffMinMs,
  sdpBytesMax,
  signalBytesMax,
} from './limits';

export interface IceCandidateData {
  candidate: string;
  sdpMLineIndex: number | null;
  sdpMid: string | null;
}

/** An SDP, or one trickled ICE candidate (node-datachannel does not finish an answer without trickle). */
export type SignalData =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: IceCandidateData };

/**
 * What a signal envelope carries: an SDP or a candidate for the driver, or `close`: the sender
 * closed the link before it opened (its dial got no answer in time, or the link did not open), so
 * the other end can let go of its half-made link at once instead of after linkConnectTimeoutMs.
 * Peers from before it refuse the envelope as malformed and keep their old timeout.
 */
export type EnvelopeData = SignalData | { type: 'close' };

interface EnvelopeBase {
  v: 1;
  room: string;
  /** Claimed sender (proven only by the handshake). */
  from: string;
  /** Random id for de-duplication across paths. */
  id: string;
  /** Hops left when forwarded through peers. */
  ttl: number;
  /**
   * The sender's session: random, new each time its hub starts or resumes from a freeze. An
   * announce whose session differs from the one a link to its sender was made in says that
   * link is stale (hub.ts, the link replacement rule). Optional: older peers omit it.
   */
  session?: string;
}

export type SignalEnvelope =
  | (EnvelopeBase & { kind: 'announce'; to?: string })
  | (EnvelopeBase & { kind: 'signal'; to: string; link: string; seq: number; data: EnvelopeData });

export type Via = 'broadcast-channel' | 'relay' | 'peer';

const linkIdPattern = /^[0-9a-f]{8,64}$/;
const idPattern = /^[0-9a-f]{8,64}$/;

function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('did:key:z') && value.length <= didLengthMax;
}

/** Validate an envelope from any path. Throws BotError for anything malformed. */
export function parseEnvelope(value: unknown): SignalEnvelope {
  const e = value as Partial<
    SignalEnvelope & { link: unknown; seq: unknown; data: Partial<SignalData> }
  > | null;
  if (typeof e !== 'object' || e === null)
    throw botError('MALFORMED', 'A signaling message is not an object.');
  if (e.v !== 1) throw botError('MALFORMED', 'Unknown signaling version.');
  if (typeof e.room !== 'string' || e.room.length > 128)
    throw botError('BAD_FIELD_TYPE', 'Bad signaling room.');
  if (!isDid(e.from)) throw botError('BAD_FIELD_TYPE', 'Bad signaling sender.');
  if (typeof e.id !== 'string' || !idPattern.test(e.id))
    throw botError('BAD_FIELD_TYPE', 'Bad signaling id.');
  if (!Number.isInteger(e.ttl) || e.ttl! < 0 || e.ttl! > 16)
    throw botError('BAD_FIELD_TYPE', 'Bad signaling ttl.');
  if (e.to !== undefined && !isDid(e.to))
    throw botError('BAD_FIELD_TYPE', 'Bad signaling recipient.');
  if (e.session !== undefined && (typeof e.session !== 'string' || !idPattern.test(e.session)))
    throw botError('BAD_FIELD_TYPE', 'Bad signaling session.');
  if (e.kind === 'announce') return e as SignalEnvelope;
  if (e.kind !== 'signal') throw botError('UNKNOWN_TYPE', 'Unknown signaling message kind.');
  if (e.to === undefined) throw botError('MISSING_FIELD', 'A signal needs a recipient.');
  if (typeof e.link !== 'string' || !linkIdPattern.test(e.link))
    throw botError('BAD_FIELD_TYPE', 'Bad link id.');
  if (!Number.isInteger(e.seq) || (e.seq as number) < 0)
    throw botError('BAD_FIELD_TYPE', 'Bad signal sequence.');
  const base = {
    v: 1,
    kind: 'signal',
    room: e.room,
    from: e.from,
    to: e.to,
    id: e.id,
    ttl: e.ttl!,
    link: e.link,
    seq: e.seq as number,
    ...(e.session === undefined ? {} : { session: e.session }),
  } as const;
  return { ...base, data: parseSignalData(e.data) };
}

function parseSignalData(value: unknown): EnvelopeData {
  const data = value as {
    type?: unknown;
    sdp?: unknown;
    candidate?: Partial<Record<keyof IceCandidateData, unknown>>;
  } | null;
  if (typeof data !== 'object' || data === null)
    throw botError('BAD_FIELD_TYPE', 'Bad signal data.');
  if (data.type === 'close') return { type: 'close' };
  if (data.type === 'offer' || data.type === 'answer') {
    if (typeof data.sdp !== 'string' || data.sdp.length > sdpBytesMax)
      throw botError('TOO_LARGE', 'The SDP is missing or too large.');
    return { type: data.type, sdp: data.sdp };
  }
  const c = data.candidate;
  if (data.type !== 'candidate' || typeof c !== 'object' || c === null)
    throw botError('BAD_FIELD_TYPE', 'Bad signal data.');
  if (typeof c.candidate !== 'string' || c.candidate.length > candidateBytesMax)
    throw botError('BAD_FIELD_TYPE', 'Bad ICE candidate.');
  const sdpMLineIndex = c.sdpMLineIndex ?? null;
  const sdpMid = c.sdpMid ?? null;
  if (sdpMLineIndex !== null && !Number.isInteger(sdpMLineIndex))
    throw botError('BAD_FIELD_TYPE', 'Bad ICE candidate index.');
  if (sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 32))
    throw botError('BAD_FIELD_TYPE', 'Bad ICE candidate mid.');
  return {
    type: 'candidate',
    candidate: {
      candidate: c.candidate,
      sdpMLineIndex: sdpMLineIndex as number | null,
      sdpMid: sdpMid as string | null,
    },
  };
}

export type SignalingState = 'connecting' | 'open' | 'closed' | 'failed';

export interface SignalingChannel {
  readonly via: Exclude<Via, 'peer'>;
  /** Relay URL, or "broadcast-channel". */
  readonly url: string;
  state(): SignalingState;
  /** False when the channel is not open (the message is not queued: signaling is best-effort). */
  send(text: string): boolean;
  close(): void;
}

export type OnSignalText = (text: string, channel: SignalingChannel) => void;

/** Between tabs of one browser; null where BroadcastChannel is missing. */
export function openBroadcastChannel(room: string, onText: OnSignalText): SignalingChannel | null {
  if (typeof BroadcastChannel === 'undefined') return null;
  const bc = new BroadcastChannel(`bot-signal-${room}`);
  let closed = false;
  const channel: SignalingChannel = {
    via: 'broadcast-channel',
    url: 'broadcast-channel',
    state: () => (closed ? 'closed' : 'open'),
    send(text) {
      if (closed) return false;
      bc.postMessage(text);
      return true;
    },
    close() {
      closed = true;
      bc.close();
    },
  };
  bc.onmessage = (event: MessageEvent) => {
    if (typeof event.data === 'string' && event.data.length <= signalBytesMax)
      onText(event.data, channel);
  };
  return channel;
}

/** The WebSocket constructor shape used here (the browser's, or `ws` in Node). */
export type WebSocketFactory = new (
  url: string,
) => {
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(text: string): void;
  close(): void;
};

/** The relay URL of a room: the configured URL plus the room and the (claimed) did. */
export function relayRoomUrl(url: string, room: string, did: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
    throw botError('BAD_FIELD_TYPE', `A relay URL must start with ws:// or wss:// (got ${url}).`);
  parsed.searchParams.set('room', room);
  parsed.searchParams.set('did', did);
  return parsed.toString();
}

/**
 * A WebSocket relay, reconnected with exponential backoff while open. 'failed' means it was
 * never reached (or the URL is unusable); 'closed' means it was reached and went away.
 */
export function openRelay(
  url: string,
  room: string,
  did: string,
  onText: OnSignalText,
  WebSocketImpl: WebSocketFactory,
  onState: () => void,
): SignalingChannel {
  let socket: InstanceType<WebSocketFactory> | null = null;
  let state: SignalingState = 'connecting';
  let everOpened = false;
  let stopped = false;
  let backoffMs = relayBackoffMinMs;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let target: string;
  try {
    target = relayRoomUrl(url, room, did);
  } catch {
    state = 'failed';
    target = '';
  }
  const setState = (next: SignalingState) => {
    if (state === next) return;
    state = next;
    onState();
  };
  // The browser (page or worker) says the network is back: reconnect now, not at the end of a
  // backoff that grew while offline (up to relayBackoffMaxMs). Node has no such event.
  const events = globalThis as {
    addEventListener?: (type: 'online', listener: () => void) => void;
    removeEventListener?: (type: 'online', listener: () => void) => void;
  };
  const onOnline = () => {
    if (stopped || !retry) return;
    clearTimeout(retry);
    backoffMs = relayBackoffMinMs;
    connect();
  };
  const channel: SignalingChannel = {
    via: 'relay',
    url,
    state: () => state,
    send(text) {
      if (state !== 'open' || !socket) return false;
      socket.send(text);
      return true;
    },
    close() {
      stopped = true;
      events.removeEventListener?.('online', onOnline);
      if (retry) clearTimeout(retry);
      socket?.close();
      setState('closed');
    },
  };
  const connect = () => {
    retry = null;
    if (stopped) return;
    try {
      socket = new WebSocketImpl(target);
    } catch {
      setState('failed');
      return;
    }
    socket.onopen = () => {
      everOpened = true;
      backoffMs = relayBackoffMinMs;
      setState('open');
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string' && event.data.length <= signalBytesMax)
        onText(event.data, channel);
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      socket = null;
      if (stopped) return;
      setState(everOpened ? 'closed' : 'failed');
      retry = setTimeout(connect, backoffMs);
      (retry as { unref?: () => void }).unref?.();
      backoffMs = Math.min(backoffMs * 2, relayBackoffMaxMs);
    };
  };
  if (target) {
    events.addEventListener?.('online', onOnline);
    connect();
  }
  return channel;
}
