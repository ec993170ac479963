// The procedures' notifications (Y.4464 clause 10; issue 17): what a committed block tells the
// dApps. P-10.1 (the counterparty of a transaction and the storing peer's dApp), P-10.3 (a
// contract deployed: every dApp that subscribed), P-10.4 (a device or peer calls a service on
// BoT: the caller and the service's owner), P-10.5 and P-10.7 (access requested, granted,
// denied, recorded), and the hijacked-device flow of Y.4464 II.2 (a device reported, blocked,
// unblocked: its owner and gateway). A contract's trigger run that failed (no transaction: the
// block's ct/trigger-failed/<height> entry) is told to who scheduled it and to the deployer.
//
// Notifications are a pure function of a committed block and of facts that committed blocks
// fixed: the state entries the block itself wrote, the owners of the devices, contracts and
// datasets it names (an owner never changes once registered), and the earlier transactions it
// answers (an access decision names its request). Every peer that holds the block derives the
// same list in the same order, so a notification's id, "<height>/<index>", names the same
// notification on every peer: a client that reconnects to any peer resumes after the last id it
// saw. Nothing here is a single peer's guess (no mempool, no gossip, no local clock).
import { decode } from '../codec';
import { botError } from '../errors';
import type { Tx } from '../tx-shape';
import { blocklistPrefix, type BlockRecord } from '../modules/blocklist';
import { validationPrefix, type ValidationRecord } from '../modules/validation';
import {
  contractTriggerFailedPrefix,
  decodeTriggerFailures,
  type TriggerFailure,
} from '../modules/contracts';
import {
  notificationFilterKindsMax,
  notificationsPerTxMax,
  notificationSubjectLengthMax,
} from './limits';
import { notificationKinds, type NotificationKind } from './kinds';

export { notificationKinds, type NotificationKind };

type Detail = Record<string, string | number | boolean | null>;

export interface Notification {
  /** "<height>/<index>": the same notification on every peer (the SSE event id). */
  id: string;
  chain: string;
  height: number;
  /** Its place among the notifications of its block, from 0. */
  index: number;
  /** The block's time (ms). */
  time: number;
  txId: string;
  kind: NotificationKind;
  /** What it is about: a device did, a contract name, a data key, a dataset or lot id, an account. */
  subject: string;
  /** Who signed the transaction. */
  actor: string;
  /** The accounts it concerns (counterparty, owner, gateway, requester); empty: every dApp. */
  to: string[];
  detail: Detail;
}

/** A committed block, as the derivation reads it. */
export interface CommittedBlock {
  chain: string;
  height: number;
  time: number;
  txs: readonly Tx[];
  txIds: readonly string[];
  /** Transactions of the block that failed in execution: they notify nothing. */
  failed: ReadonlySet<string>;
}

/** What the derivation needs besides the block (the host reads it from committed storage). */
export interface NotificationNeeds {
  /** State keys whose entry as written by this block is read. */
  keys: string[];
  /** Owners: "device:<did>" (and "gateway:<did>", its gateway), "contract:<name>", "dataset:<id>". */
  owners: string[];
  /** Earlier transactions by id (the requests that decisions answer). */
  txs: string[];
}

export interface NotificationFacts {
  /** Entries this block wrote, for the keys asked (absent: not written by it). */
  written: ReadonlyMap<string, Uint8Array>;
  /** Owner by "device:<did>" / "gateway:<did>" / "contract:<name>" / "dataset:<id>" (absent: unknown). */
  owners: ReadonlyMap<string, string>;
  /** Earlier transactions by id (absent: not found). */
  txs: ReadonlyMap<string, Pick<Tx, 'from' | 'type' | 'body'>>;
}

type Body = Record<string, unknown>;
const bodyOf = (tx: Pick<Tx, 'body'>): Body =>
  typeof tx.body === 'object' && tx.body !== null ? (tx.body as Body) : {};
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The facts `notificationsOf` will read for this block. */
export function notificationNeeds(block: CommittedBlock): NotificationNeeds {
  const keys = new Set<string>();
  const owners = new Set<string>();
  const txs = new Set<string>();
  keys.add(contractTriggerFailedPrefix + block.height); // written only when a trigger failed
  block.txs.forEach((tx, i) => {
    if (block.failed.has(block.txIds[i]!)) return;
    const body = bodyOf(tx);
    switch (tx.type) {
      case 'device.register':
        break; // the body names the owner and the gateway
      case 'device.report':
        keys.add(blocklistPrefix + text(body.device));
        owners.add(`device:${text(body.device)}`);
        break;
      case 'device.unblock':
      case 'device.access.request':
        owners.add(`device:${text(body.device)}`);
        break;
      case 'device.access.decide':
      case 'dataset.grant':
      case 'dataset.deny':
      case 'dataset.confirm':
      case 'dataset.forward':
        txs.add(text(body.request));
        break;
      case 'contract.call':
        owners.add(`contract:${text(body.contract)}`);
        break;
      case 'dataset.request':
      case 'dataset.access':
        owners.add(`dataset:${text(body.dataset)}`);
        break;
      case 'data.validate':
        keys.add(validationPrefix + text(body.key)); // names the submitter
        break;
    }
    // a reported or lifted device's gateway is told too
    if (tx.type === 'device.report' || tx.type === 'device.unblock')
      owners.add(`gateway:${text(body.device)}`);
  });
  return { keys: [...keys], owners: [...owners], txs: [...txs] };
}

function accounts(...values: Array<string | undefined | null>): string[] {
  const out: string[] = [];
  for (const v of values) if (v && !out.includes(v)) out.push(v);
  return out;
}

type Draft = Omit<Notification, 'id' | 'chain' | 'height' | 'index' | 'time' | 'txId' | 'actor'>;

function draftsOf(tx: Tx, txId: string, height: number, facts: NotificationFacts): Draft[] {
  const body = bodyOf(tx);
  const owner = (key: string) => facts.owners.get(key);
  switch (tx.type) {
    case 'data.put':
    case 'data.delete':
      return [
        {
          kind: 'data.stored',
          subject: text(body.key),
          to: [tx.from],
          detail: { deleted: tx.type === 'data.delete' },
        },
      ];
    case 'token.transfer':
    case 'token.mint': {
      const to = text(body.to);
      return [
        {
          kind: 'token.received',
          subject: to,
          to: [to],
          detail: { amount: Number(body.amount), minted: tx.type === 'token.mint' },
        },
      ];
    }
    case 'device.register':
      return [
        {
          kind: 'device.registered',
          subject: text(body.did),
          to: accounts(text(body.owner) || tx.from, text(body.gateway) || tx.from),
          detail: { name: text(body.name), kind: text(body.kind) },
        },
      ];
    case 'device.report': {
      const device = text(body.device);
      const bytes = facts.written.get(blocklistPrefix + device);
      const record = bytes ? decode<BlockRecord>(bytes, 1 << 16) : null;
      // The report that reached the threshold is the last one kept in the block's record (a
      // blocked device takes no further report in the same block).
      const blocked = record?.blocked === height && record.reports.at(-1)?.tx === txId;
      return [
        {
          kind: blocked ? 'device.blocked' : 'device.reported',
          subject: device,
          to: accounts(owner(`device:${device}`), owner(`gateway:${device}`)),
          detail: { reason: text(body.reason), reports: record?.reports.length ?? 0 },
        },
      ];
    }
    case 'device.unblock': {
      const device = text(body.device);
      return [
        {
          kind: 'device.unblocked',
          subject: device,
          to: accounts(owner(`device:${device}`), owner(`gateway:${device}`)),
          detail: { note: text(body.note) },
        },
      ];
    }
    case 'device.access.request': {
      const device = text(body.device);
      return [
        {
          kind: 'access.requested',
          subject: device,
          to: accounts(owner(`device:${device}`)),
          detail: { request: txId, service: text(body.service), purpose: text(body.purpose) },
        },
      ];
    }
    case 'device.access.decide':
    case 'dataset.grant':
    case 'dataset.deny': {
      const request = facts.txs.get(text(body.request));
      const granted = tx.type === 'dataset.grant' || (tx.type !== 'dataset.deny' && !!body.grant);
      const about = request ? bodyOf(request) : {};
      return [
        {
          kind: granted ? 'access.granted' : 'access.denied',
          subject: text(about.device) || text(about.dataset) || text(body.request),
          to: accounts(request?.from),
          detail: { request: text(body.request) },
        },
      ];
    }
    case 'dataset.request': {
      const asked = {
        kind: 'access.requested' as const,
        subject: text(body.dataset),
        to: accounts(owner(`dataset:${text(body.dataset)}`)),
        detail: { request: txId, purpose: text(body.purpose) },
      };
      // A data proxy asking for an enterprise (Y.4560 I.2 step 1): the enterprise is told, to confirm.
      if (!text(body.for)) return [asked];
      return [
        { ...asked, detail: { ...asked.detail, for: text(body.for) } },
        {
          kind: 'access.proxied',
          subject: text(body.dataset),
          to: accounts(text(body.for)),
          detail: { request: txId, purpose: text(body.purpose), proxy: tx.from },
        },
      ];
    }
    case 'dataset.confirm': {
      // Step 2: the proxy hears that its enterprise confirmed (the owner may grant now).
      const request = facts.txs.get(text(body.request));
      return [
        {
          kind: 'access.confirmed',
          subject: text(request ? bodyOf(request).dataset : '') || text(body.request),
          to: accounts(request?.from),
          detail: { request: text(body.request), for: tx.from },
        },
      ];
    }
    case 'dataset.forward': {
      // Step 4: the enterprise hears that the proxy passed it the data's keys.
      const request = facts.txs.get(text(body.request));
      const about = request ? bodyOf(request) : {};
      return [
        {
          kind: 'access.granted',
          subject: text(about.dataset) || text(body.request),
          to: accounts(text(about.for)),
          detail: { request: text(body.request), via: tx.from },
        },
      ];
    }
    case 'dataset.access':
      return [
        {
          kind: 'access.recorded',
          subject: text(body.dataset),
          to: accounts(owner(`dataset:${text(body.dataset)}`)),
          detail: { version: Number(body.version), purpose: text(body.purpose) },
        },
      ];
    case 'contract.deploy':
      // P-10.3: every dApp that subscribed hears of the new service.
      return [{ kind: 'contract.deployed', subject: text(body.name), to: [], detail: {} }];
    case 'contract.upgrade':
      // told to every dApp, as the deployment was (P-10.3)
      return [{ kind: 'contract.upgraded', subject: text(body.name), to: [], detail: {} }];
    case 'contract.retire':
      return [
        {
          kind: 'contract.retired',
          subject: text(body.name),
          to: [],
          detail: { note: text(body.note) },
        },
      ];
    case 'contract.call': {
      const name = text(body.contract);
      return [
        {
          kind: 'contract.called',
          subject: name,
          to: accounts(tx.from, owner(`contract:${name}`)),
          detail: { method: text(body.method), device: body.device === true },
        },
      ];
    }
    case 'data.validate': {
      // D-9.4: a verdict returns to the submitter of the version judged.
      const bytes = facts.written.get(validationPrefix + text(body.key));
      const record = bytes ? decode<ValidationRecord>(bytes, 1 << 16) : null;
      // a stakeholder's verdict short of the quorum decides nothing yet: nothing to tell
      if (record?.status === 'pending') return [];
      return [
        {
          kind: body.verdict === 'refused' ? 'data.refused' : 'data.validated',
          subject: text(body.key),
          to: record ? [record.from] : [tx.from],
          detail: { reason: text(body.reason), version: record?.h ?? null },
        },
      ];
    }
    case 'trace.transfer':
      return [
        {
          kind: 'trace.received',
          subject: text(body.id),
          to: [text(body.to)],
          detail: {},
        },
      ];
    default:
      return [];
  }
}

/**
 * The notifications of a committed block, in order (by transaction, then within one). A failed
 * transaction notifies nothing. Deterministic: the same block and facts give the same list.
 */
export function notificationsOf(block: CommittedBlock, facts: NotificationFacts): Notification[] {
  const out: Notification[] = [];
  block.txs.forEach((tx, i) => {
    const txId = block.txIds[i]!;
    if (block.failed.has(txId)) return;
    for (const draft of draftsOf(tx, txId, block.height, facts).slice(0, notificationsPerTxMax)) {
      const index = out.length;
      out.push({
        id: `${block.height}/${index}`,
        chain: block.chain,
        height: block.height,
        index,
        time: block.time,
        txId,
        actor: tx.from,
        ...draft,
      });
    }
  });
  const failed = facts.written.get(contractTriggerFailedPrefix + block.height);
  const failures: TriggerFailure[] = failed ? decodeTriggerFailures(failed) : [];
  for (const f of failures) {
    const index = out.length;
    out.push({
      id: `${block.height}/${index}`,
      chain: block.chain,
      height: block.height,
      index,
      time: block.time,
      txId: f.trigger,
      kind: 'contract.trigger.failed',
      subject: f.contract,
      actor: f.by,
      to: accounts(f.by, f.owner),
      detail: { trigger: f.trigger, method: f.method, code: f.code, message: f.message },
    });
  }
  return out;
}

// ---- filters and ids ----

export interface NotificationFilter {
  /** Only these kinds (absent: every kind). */
  kinds?: NotificationKind[];
  /** Only about this subject. */
  subject?: string;
  /** Only those that concern this account (or every dApp). */
  to?: string;
}

export function matchesFilter(n: Notification, filter: NotificationFilter): boolean {
  if (filter.kinds && !filter.kinds.includes(n.kind)) return false;
  if (filter.subject !== undefined && n.subject !== filter.subject) return false;
  if (filter.to !== undefined && n.to.length > 0 && !n.to.includes(filter.to)) return false;
  return true;
}

function checkShortText(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > notificationSubjectLengthMax ||
    /[\u0000-\u001f\u007f]/.test(value)
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `${field} is text of 1 to ${notificationSubjectLengthMax} characters, without control characters.`,
    );
  return value;
}

/** Check a filter given by a caller; throws BotError naming the field. */
export function checkNotificationFilter(value: unknown): NotificationFilter {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw botError('BAD_REQUEST', 'A notification filter is a map { kinds?, subject?, to? }.');
  const raw = value as Record<string, unknown>;
  const filter: NotificationFilter = {};
  for (const key of Object.keys(raw))
    if (!['kinds', 'subject', 'to'].includes(key))
      throw botError('BAD_REQUEST', `A notification filter has no field "${key}".`);
  if (raw.kinds !== undefined) {
    if (!Array.isArray(raw.kinds) || raw.kinds.length > notificationFilterKindsMax)
      throw botError(
        'BAD_FIELD_TYPE',
        `kinds is a list of at most ${notificationFilterKindsMax} notification kinds.`,
      );
    for (const kind of raw.kinds)
      if (!(notificationKinds as readonly unknown[]).includes(kind))
        throw botError(
          'BAD_FIELD_TYPE',
          `"${String(kind)}" is not a notification kind (${notificationKinds.join(', ')}).`,
        );
    filter.kinds = [...new Set(raw.kinds as NotificationKind[])];
  }
  if (raw.subject !== undefined) filter.subject = checkShortText(raw.subject, 'subject');
  if (raw.to !== undefined) filter.to = checkShortText(raw.to, 'to');
  return filter;
}

/** Parse "<height>/<index>" (a Last-Event-ID); throws BAD_REQUEST. */
export function parseNotificationId(value: unknown): { height: number; index: number } {
  const match = typeof value === 'string' ? /^(\d{1,15})\/(\d{1,6})$/.exec(value) : null;
  if (!match)
    throw botError(
      'BAD_REQUEST',
      'A notification id is "<height>/<index>" (two whole numbers), as an event stream sends it.',
    );
  return { height: Number(match[1]), index: Number(match[2]) };
}

/** Whether notification `n` comes after the position `after` (null: from the start). */
export function isAfter(
  n: Pick<Notification, 'height' | 'index'>,
  after: { height: number; index: number } | null,
): boolean {
  if (!after) return true;
  return n.height > after.height || (n.height === after.height && n.index > after.index);
}
