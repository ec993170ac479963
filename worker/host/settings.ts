// Peer settings: signaling relay URLs and STUN/TURN servers. Checked here so that only usable
// values reach storage (meta 'settings') and the network layer. Nothing defaults to a public
// server: an empty list means "tabs of this browser only".
import { botError } from '../core/errors';
import type { Settings } from '../api';
import { linksMaxMax, linksMaxMin } from '../net/limits';

export const relayCountMax = 8;
export const iceServerCountMax = 8;
export const urlLengthMax = 512;
export const credentialLengthMax = 256;

export const defaultSettings: Settings = { relays: [], iceServers: [] };
/** The smallest and largest dataset blob quota a peer may be set to (setting blobQuotaBytes). */
export const blobQuotaBytesMin = 1024 * 1024;
export const blobQuotaBytesMax = 2 ** 50;

function checkRelay(url: unknown): string {
  if (typeof url !== 'string' || url.length === 0 || url.length > urlLengthMax)
    throw botError('BAD_REQUEST', 'A relay URL must be text of 1 to 512 characters.');
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw botError(
      'BAD_REQUEST',
      `"${url}" is not a URL. A relay looks like wss://relay.example.org/signal.`,
    );
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
    throw botError(
      'BAD_REQUEST',
      `"${url}" is not a WebSocket URL: it must start with ws:// or wss://.`,
    );
  return parsed.href;
}

const iceUrlPattern = /^(stun|stuns|turn|turns):[^\s]+$/;

function checkIceUrl(url: unknown): string {
  if (typeof url !== 'string' || !iceUrlPattern.test(url.trim()) || url.length > urlLengthMax) {
    throw botError(
      'BAD_REQUEST',
      `"${String(url)}" is not a STUN or TURN URL: it must start with stun:, stuns:, turn: or turns:.`,
    );
  }
  return url.trim();
}

function checkIceServer(server: unknown): Settings['iceServers'][number] {
  if (typeof server !== 'object' || server === null)
    throw botError('BAD_REQUEST', 'Each ICE server is { urls, username?, credential? }.');
  const { urls, username, credential } = server as Record<string, unknown>;
  const list = Array.isArray(urls) ? urls : [urls];
  if (list.length === 0 || list.length > iceServerCountMax)
    throw botError('BAD_REQUEST', `An ICE server needs 1 to ${iceServerCountMax} URLs.`);
  const checked = list.map(checkIceUrl);
  const out: Settings['iceServers'][number] = { urls: Array.isArray(urls) ? checked : checked[0]! };
  const isTurn = checked.some((u) => u.startsWith('turn'));
  for (const [name, value] of [
    ['username', username],
    ['credential', credential],
  ] as const) {
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || value.length > credentialLengthMax)
      throw botError(
        'BAD_REQUEST',
        `The ICE ${name} must be text of at most ${credentialLengthMax} characters.`,
      );
    out[name] = value;
  }
  if (isTurn && (!out.username || !out.credential))
    throw botError('BAD_REQUEST', 'A TURN server needs a username and a credential.');
  return out;
}

/** Apply a patch to the current settings; throws BAD_REQUEST with a plain message. */
export function applySettingsPatch(current: Settings, patch: unknown): Settings {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw botError(
      'BAD_REQUEST',
      'setSettings takes { relays?, iceServers?, blobQuotaBytes?, linksMax? }.',
    );
  const { relays, iceServers, blobQuotaBytes, linksMax, ...rest } = patch as Partial<Settings>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw botError('BAD_REQUEST', `Unknown setting ${unknown[0]}.`);
  const next: Settings = {
    ...current,
    relays: [...current.relays],
    iceServers: [...current.iceServers],
  };
  if (blobQuotaBytes !== undefined) {
    if (
      !Number.isSafeInteger(blobQuotaBytes) ||
      blobQuotaBytes < blobQuotaBytesMin ||
      blobQuotaBytes > blobQuotaBytesMax
    )
      throw botError(
        'BAD_REQUEST',
        `blobQuotaBytes must be a whole number of bytes from ${blobQuotaBytesMin} (1 MiB) to ${blobQuotaBytesMax} (blobQuotaBytesMin, blobQuotaBytesMax).`,
      );
    next.blobQuotaBytes = blobQuotaBytes;
  }
  if (linksMax !== undefined) {
    if (!Number.isInteger(linksMax) || linksMax < linksMaxMin || linksMax > linksMaxMax)
      throw botError(
        'BAD_REQUEST',
        `linksMax must be a whole number of links from ${linksMaxMin} to ${linksMaxMax} (linksMaxMin, linksMaxMax).`,
      );
    next.linksMax = linksMax;
  }
  if (relays !== undefined) {
    if (!Array.isArray(relays) || relays.length > relayCountMax)
      throw botError('BAD_REQUEST', `relays must be a list of at most ${relayCountMax} URLs.`);
    next.relays = [...new Set(relays.map(checkRelay))];
  }
  if (iceServers !== undefined) {
    if (!Array.isArray(iceServers) || iceServers.length > iceServerCountMax)
      throw botError(
        'BAD_REQUEST',
        `iceServers must be a list of at most ${iceServerCountMax} servers.`,
      );
    next.iceServers = iceServers.map(checkIceServer);
  }
  return next;
}
