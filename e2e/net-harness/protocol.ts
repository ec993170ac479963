// Calls the harness page makes to its worker (e2e/net.spec.ts drives them through window.net).
import type { NetworkView } from '../../worker/api';
import type { DirectStats } from '../../worker/net/direct';

export interface HarnessStart {
  room: string;
  relays: string[];
  /** Use the default relay (this origin's /signal) when `relays` is empty. */
  defaultRelay: boolean;
  broadcastChannel: boolean;
  /** Rogue: claim a fresh did but sign the hello with another key. */
  forgeKey?: boolean;
  /** Rogue: sign a DTLS fingerprint other than our own. */
  fakeFingerprint?: boolean;
}

export interface Received {
  from: string;
  bytes: number;
  sha256: string;
  at: number;
}

export interface HarnessMethods {
  start(options: HarnessStart): Promise<string>;
  view(): Promise<NetworkView>;
  neighbours(): Promise<string[]>;
  logs(): Promise<string[]>;
  received(): Promise<Received[]>;
  /** Send `bytes` bytes of a deterministic pattern; returns its digest and the send time. */
  send(to: string, bytes: number): Promise<{ ok: boolean; sha256: string; at: number }>;
  broadcast(bytes: number): Promise<string>;
  /** Rogue: put bad data on the link to `to`. */
  raw(to: string, kind: 'garbage' | 'oversized' | 'unknown-frame'): Promise<boolean>;
  stop(): Promise<void>;
  /** Traffic on the links' direct channels (worker/net/direct.ts). */
  directStats(): Promise<DirectStats>;
}
