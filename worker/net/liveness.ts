// Keeping links honest over time: timeouts for links that do not open or authenticate, the
// silence limit, pings (keep-alive and round-trip time) and ICE restarts.
import * as limits from './limits';
import type { CloseHow, Link } from './link';
import { randomBytesOf, short } from './names';
import { encodeFrame } from './wire';

const rttSmoothing = 0.2;

/** What the liveness checks need from the hub. */
export interface LivenessHub {
  closeLink(link: Link, reason: string, how: CloseHow): void;
  send(link: Link, frame: Uint8Array): boolean;
  restartIce(link: Link): void;
  log(level: 'info', message: string): void;
}

/** One link's periodic check at `now`. */
export function checkLink(hub: LivenessHub, link: Link, now: number): void {
  // A link given up on before it opened is told to the other end, which may hold its half.
  const how = { redial: true, notifyDriver: true, tellRemote: true };
  if (
    link.initiator &&
    link.remoteFingerprint === null &&
    now - link.createdAt > limits.dialAnswerTimeoutMs
  ) {
    // No answer to our offer: the peer is gone, or does not want the link (overlay.ts). It
    // must not hold a place under linksMax meanwhile.
    hub.closeLink(link, 'it did not answer our offer', how);
  } else if (!link.connected && now - link.createdAt > limits.linkConnectTimeoutMs) {
    hub.closeLink(link, 'it did not open in time', how);
  } else if (
    link.connected &&
    !link.authenticated &&
    now - link.connectedAt > limits.helloTimeoutMs
  ) {
    hub.closeLink(link, 'no hello arrived in time', how);
  } else if (link.authenticated && now - link.lastHeardAt > limits.linkSilenceMsMax) {
    hub.closeLink(link, `silent for ${limits.linkSilenceMsMax / 1000} s`, how);
  } else if (
    link.authenticated &&
    now - link.lastPingAt >= limits.pingIntervalMs &&
    link.queue.length === 0 &&
    link.inFlightBytes === 0
  ) {
    // Not while a bulk send is under way: the ping would wait behind it and skew the RTT.
    ping(hub, link, now);
  }
  if (
    link.initiator &&
    !link.iceRestarted &&
    link.iceDisconnectedAt !== null &&
    now - link.iceDisconnectedAt > limits.iceRestartAfterMs
  ) {
    link.iceRestarted = true;
    hub.log('info', `ICE restart on the link with ${short(link.did)}.`);
    hub.restartIce(link);
  }
}

function ping(hub: LivenessHub, link: Link, now: number): void {
  link.lastPingAt = now;
  link.pingNonce = randomBytesOf(4).reduce((a, b) => a * 256 + b, 0);
  link.pingSentAt = now;
  hub.send(link, encodeFrame({ type: 'ping', nonce: link.pingNonce }));
}

/** A pong arrived at `now`: a round-trip sample. */
export function onPong(link: Link, nonce: number, now: number): void {
  if (nonce !== link.pingNonce) return;
  const sample = now - link.pingSentAt;
  link.rttMs =
    link.rttMs === null ? sample : link.rttMs * (1 - rttSmoothing) + sample * rttSmoothing;
  link.pingNonce = null;
}

/** The ICE state of a link changed. */
export function onIceState(link: Link, state: string, now: number): void {
  if (state === 'disconnected') link.iceDisconnectedAt ??= now;
  if (state === 'connected' || state === 'completed') {
    link.iceDisconnectedAt = null;
    link.iceRestarted = false;
  }
}
