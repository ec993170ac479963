// Stateful rules of the dataset transactions: who may do what, and what each writes.
// State (prefix "ds/"):
//   ds/key/<did>                 the did's X25519 key binding { did, x25519, signature, h }
//   ds/set/<id>                  the dataset (DatasetState): owner, labels, policy, readers, latest
//   ds/ver/<id>/<version>        one version as published: fingerprint, size, keys wrapped then
//   ds/wrap/<id>/<version>/<did> a key wrapped later by a grant, for one reader
//   ds/req/<request id>          one request and its decision
//   ds/der/<id>/<version>/<did>  a view derived for one view reader (views.ts): its sealed blob's
//                                fingerprint and size, the view, and its key wrapped for that did
//   ds/log/<id>                  the events of one block for the dataset (history keeps them all)
// Rules: only the owner adds versions, grants, denies and revokes; a grant answers an open request
// and its keys are for that reader only; a version's keys go to the owner and the current
// readers only (so after a revoke the next version is sealed without the revoked reader); an
// access record needs a key for that version (or a view derived for the reader). A grant to a
// projection or an aggregate makes the reader a viewer, not a reader: no key of a full version
// is ever wrapped for it, only the keys of the views derived for it. A rejected transaction changes nothing: every
// check runs before the first write to the overlay.
import { encode, decode } from '../../codec';
import { botError, BotError } from '../../errors';
import type { Tx } from '../../tx-shape';
import * as limits from './limits';
import { checkBinding, type KeyBinding, type WrappedKey } from './keys';
import type { DatasetPolicy } from './rules';
import { checkReadView, fullView, viewWithin, type ReadView } from './views';

export const keyPrefix = 'ds/key/';
export const setPrefix = 'ds/set/';
export const versionPrefix = 'ds/ver/';
export const wrapPrefix = 'ds/wrap/';
export const requestPrefix = 'ds/req/';
export const logPrefix = 'ds/log/';
export const derivedPrefix = 'ds/der/';

export interface DatasetState {
  id: string;
  owner: string;
  labels: string[];
  schema: string;
  policy: DatasetPolicy;
  /** Versions published so far (the newest is this number; 0: none yet). */
  latest: number;
  /** Who may read versions published from now on (granted, not revoked); not the owner. */
  readers: string[];
  /** Who was granted a projection or an aggregate (not revoked): the owner derives it for them. */
  viewers?: Array<{ reader: string; view: ReadView }>;
  height: number;
  time: number;
  tx: string;
}

/** A version as kept in memory: who holds a key for it (the keys themselves are in state). */
export interface VersionState {
  dataset: string;
  version: number;
  fingerprint: Uint8Array;
  sealedBytes: number;
  /** The content key's check value the owner committed (absent in versions before it). */
  keyCheck?: Uint8Array;
  readers: string[];
  height: number;
  time: number;
  tx: string;
}

/** A version as stored under ds/ver/: with the keys wrapped when it was published. */
export interface VersionEntry extends Omit<VersionState, 'readers'> {
  keys: WrappedKey[];
}

/** pending: the owner decides; approved: granted by the policy, the owner's peer wraps keys. */
export type RequestState = 'pending' | 'approved' | 'granted' | 'denied' | 'revoked';

export interface RequestRecord {
  id: string;
  dataset: string;
  reader: string;
  purpose: string;
  /** What the reader asked to see, then what it was granted (absent: the full data). */
  view?: ReadView;
  /** A data proxy's request (Annex I.2): the enterprise it asks for (the data user). */
  for?: string;
  /** When that enterprise confirmed the proxy acts for it (dataset.confirm); grants wait for it. */
  confirmed?: { height: number; time: number; tx: string };
  state: RequestState;
  /** Who decided: the owner's did, 'policy', or null while open. */
  by: string | null;
  height: number;
  time: number;
  decidedHeight: number | null;
  decidedTime: number | null;
}

export type DatasetEventKind =
  | 'publish'
  | 'version'
  | 'request'
  | 'grant'
  | 'deny'
  | 'revoke'
  | 'access'
  | 'derive'
  | 'job'
  | 'partial'
  | 'confirm'
  | 'forward';

/** One line of a dataset's access log (Y.4560 8.4: who, what, for which purpose, when). */
export interface DatasetEvent {
  kind: DatasetEventKind;
  dataset: string;
  /** The reader concerned (null for publish and version). */
  reader: string | null;
  version: number | null;
  purpose: string | null;
  /** Who sent the transaction. */
  by: string;
  /** The enterprise a data proxy acts for (request, confirm, grant, forward, revoke of a proxy). */
  for?: string;
  height: number;
  time: number;
  tx: string;
}

/** A view of one version derived for one viewer (dataset.derive), as stored under ds/der/. */
export interface DerivedState {
  dataset: string;
  version: number;
  reader: string;
  view: ReadView;
  /** SHA-256 of the derived blob's manifest (sealed like a version). */
  fingerprint: Uint8Array;
  sealedBytes: number;
  /** The derived blob's key, wrapped for `reader` only. */
  key: WrappedKey;
  height: number;
  time: number;
  tx: string;
}

export interface DatasetRegistry {
  keys: ReadonlyMap<string, KeyBinding>;
  /** By derivedKey(dataset, version, reader). */
  derived: ReadonlyMap<string, DerivedState>;
  datasets: ReadonlyMap<string, DatasetState>;
  /** By versionKey(dataset, version). */
  versions: ReadonlyMap<string, VersionState>;
  /** Requests not closed: pending, approved or granted (a granted one can still be revoked). */
  open: ReadonlyMap<string, RequestRecord>;
}

export function emptyDatasets(): DatasetRegistry {
  return {
    keys: new Map(),
    derived: new Map(),
    datasets: new Map(),
    versions: new Map(),
    open: new Map(),
  };
}

export const versionKey = (dataset: string, version: number) => `${dataset}/${version}`;
export const derivedKey = (dataset: string, version: number, reader: string) =>
  `${dataset}/${version}/${reader}`;
/** The viewers of a dataset (a dataset stored before views has none). */
export const viewersOf = (d: DatasetState) => d.viewers ?? [];
/** The view a granted viewer has of a dataset, or null (a full reader, or none). */
export function viewOf(d: DatasetState, reader: string): ReadView | null {
  return viewersOf(d).find((v) => v.reader === reader)?.view ?? null;
}
const isOpen = (r: RequestRecord) =>
  r.state === 'pending' || r.state === 'approved' || r.state === 'granted';

/** Working copy for one block: only what changed. */
export interface DatasetOverlay {
  readonly base: DatasetRegistry;
  readonly keys: Map<string, KeyBinding & { h: number }>;
  readonly datasets: Map<string, DatasetState>;
  readonly versions: Map<string, VersionState>;
  /** Versions published in this block, with their keys (written under ds/ver/). */
  readonly published: Map<string, VersionEntry>;
  /** Keys wrapped by grants in this block, by "<dataset>/<version>/<reader>". */
  readonly wraps: Map<string, WrappedKey>;
  readonly derived: Map<string, DerivedState>;
  readonly requests: Map<string, RequestRecord>;
  readonly log: Map<string, DatasetEvent[]>;
}

export function datasetOverlayOf(registry: DatasetRegistry): DatasetOverlay {
  return {
    base: registry,
    keys: new Map(),
    datasets: new Map(),
    versions: new Map(),
    published: new Map(),
    wraps: new Map(),
    derived: new Map(),
    requests: new Map(),
    log: new Map(),
  };
}

export function datasetIn(o: DatasetOverlay, id: string): DatasetState | undefined {
  return o.datasets.get(id) ?? o.base.datasets.get(id);
}
export function versionIn(o: DatasetOverlay, id: string, v: number): VersionState | undefined {
  const key = versionKey(id, v);
  return o.versions.get(key) ?? o.base.versions.get(key);
}
export function requestIn(o: DatasetOverlay, id: string): RequestRecord | undefined {
  return o.requests.get(id) ?? o.base.open.get(id);
}
export function keyIn(o: DatasetOverlay, did: string): KeyBinding | undefined {
  return o.keys.get(did) ?? o.base.keys.get(did);
}
function openOf(o: DatasetOverlay, dataset: string): RequestRecord[] {
  const out = new Map<string, RequestRecord>();
  for (const [id, r] of o.base.open) if (r.dataset === dataset) out.set(id, r);
  for (const [id, r] of o.requests) {
    if (r.dataset !== dataset) continue;
    if (isOpen(r)) out.set(id, r);
    else out.delete(id);
  }
  return [...out.values()];
}

/** Add a line to a dataset's access log of this block (analytics jobs log theirs here too). */
export function log(o: DatasetOverlay, event: DatasetEvent): void {
  const list = o.log.get(event.dataset) ?? [];
  list.push(event);
  o.log.set(event.dataset, list);
}

export function existing(o: DatasetOverlay, id: string): DatasetState | BotError {
  return (
    datasetIn(o, id) ?? botError('NOT_FOUND', `No dataset "${id}" is published on this chain.`)
  );
}

function ownerOnly(dataset: DatasetState, from: string, what: string): BotError | null {
  return from === dataset.owner
    ? null
    : botError('UNAUTHORIZED', `Only the owner of "${dataset.id}" ${what}.`);
}

/** Stateful check and effect of one dataset transaction; null when applied (or not ours). */
export function applyDatasetTx(
  o: DatasetOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  switch (tx.type) {
    case 'identity.x25519':
      return applyKey(o, tx, height);
    case 'dataset.publish':
      return applyPublish(o, tx, txId, height);
    case 'dataset.version':
      return applyVersion(o, tx, txId, height);
    case 'dataset.request':
      return applyRequest(o, tx, txId, height);
    case 'dataset.grant':
      return applyGrant(o, tx, txId, height);
    case 'dataset.deny':
      return applyDeny(o, tx, txId, height);
    case 'dataset.revoke':
      return applyRevoke(o, tx, txId, height);
    case 'dataset.access':
      return applyAccess(o, tx, txId, height);
    case 'dataset.derive':
      return applyDerive(o, tx, txId, height);
    default:
      return null;
  }
}

function applyKey(o: DatasetOverlay, tx: Tx, height: number): BotError | null {
  const body = tx.body as { key: Uint8Array; signature: Uint8Array };
  let binding: KeyBinding;
  try {
    binding = checkBinding({ did: tx.from, x25519: body.key, signature: body.signature });
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  o.keys.set(tx.from, { ...binding, h: height });
  return null;
}

function applyPublish(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as { id: string; labels: string[]; schema: string; policy: DatasetPolicy };
  const other = datasetIn(o, body.id);
  if (other)
    return botError(
      'BAD_REQUEST',
      `A dataset "${body.id}" already exists (owned by ${other.owner}); choose another id.`,
    );
  if (o.base.datasets.size + o.datasets.size >= limits.datasetsPerChainMax)
    return botError('TOO_LARGE', `This chain holds ${limits.datasetsPerChainMax} datasets.`);
  o.datasets.set(body.id, {
    id: body.id,
    owner: tx.from,
    labels: body.labels,
    schema: body.schema,
    policy: body.policy,
    latest: 0,
    readers: [],
    height,
    time: tx.time,
    tx: txId,
  });
  log(o, event('publish', body.id, null, null, null, tx, txId, height));
  return null;
}

export function event(
  kind: DatasetEventKind,
  dataset: string,
  reader: string | null,
  version: number | null,
  purpose: string | null,
  tx: Tx,
  txId: string,
  height: number,
  forDid?: string,
): DatasetEvent {
  const e = { kind, dataset, reader, version, purpose, by: tx.from, height, time: tx.time };
  return { ...e, tx: txId, ...(forDid === undefined ? {} : { for: forDid }) };
}

function applyVersion(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as Omit<VersionEntry, 'height' | 'time' | 'tx'>;
  const dataset = existing(o, body.dataset);
  if (dataset instanceof BotError) return dataset;
  const denied = ownerOnly(dataset, tx.from, 'adds versions');
  if (denied) return denied;
  if (body.version !== dataset.latest + 1)
    return botError(
      'BAD_REQUEST',
      `The next version of "${dataset.id}" is ${dataset.latest + 1}, not ${body.version}.`,
    );
  for (const key of body.keys) {
    if (key.reader !== dataset.owner && !dataset.readers.includes(key.reader))
      return botError(
        'UNAUTHORIZED',
        `${key.reader} may not read "${dataset.id}" (never granted, or revoked): its key cannot be in a new version.`,
      );
  }
  const readers = body.keys.map((k) => k.reader);
  const common = { dataset: dataset.id, version: body.version, height, time: tx.time, tx: txId };
  const state = {
    ...common,
    fingerprint: body.fingerprint,
    sealedBytes: body.sealedBytes,
    ...(body.keyCheck ? { keyCheck: body.keyCheck } : {}),
  };
  o.versions.set(versionKey(dataset.id, body.version), { ...state, readers });
  o.published.set(versionKey(dataset.id, body.version), { ...state, keys: body.keys });
  o.datasets.set(dataset.id, { ...dataset, latest: body.version });
  log(o, event('version', dataset.id, null, body.version, null, tx, txId, height));
  return null;
}

function applyRequest(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as { dataset: string; purpose: string; view?: unknown; for?: string };
  const dataset = existing(o, body.dataset);
  if (dataset instanceof BotError) return dataset;
  const view = body.view === undefined ? fullView : checkReadView(body.view);
  if (tx.from === dataset.owner)
    return botError('BAD_REQUEST', 'The owner of a dataset reads it without asking.');
  const proxy = proxyRequestCheck(dataset, tx.from, body.for);
  if (proxy) return proxy;
  if (!keyIn(o, tx.from))
    return botError(
      'BAD_REQUEST',
      'Publish your X25519 key (identity.x25519) first: the owner wraps the key for it.',
    );
  const open = openOf(o, dataset.id);
  const mine = open.find((r) => r.reader === tx.from);
  if (mine) return botError('BAD_REQUEST', `You already have a ${mine.state} request for it.`);
  if (open.filter((r) => r.state !== 'granted').length >= limits.requestsOpenPerDatasetMax)
    return botError(
      'TOO_LARGE',
      `"${dataset.id}" has ${limits.requestsOpenPerDatasetMax} requests waiting; ask its owner to decide them first.`,
    );
  const p = dataset.policy;
  const state: RequestState =
    p.mode === 'closed'
      ? 'denied'
      : p.mode === 'list' && p.allow.includes(tx.from)
        ? 'approved'
        : 'pending';
  const byPolicy = state !== 'pending';
  o.requests.set(txId, {
    id: txId,
    dataset: dataset.id,
    reader: tx.from,
    purpose: body.purpose,
    ...(view.kind === 'full' ? {} : { view }),
    ...(body.for === undefined ? {} : { for: body.for }),
    state,
    by: byPolicy ? 'policy' : null,
    height,
    time: tx.time,
    decidedHeight: byPolicy ? height : null,
    decidedTime: byPolicy ? tx.time : null,
  });
  log(o, event('request', dataset.id, tx.from, null, body.purpose, tx, txId, height, body.for));
  if (state === 'denied')
    log(o, event('deny', dataset.id, tx.from, null, body.purpose, tx, txId, height, body.for));
  return null;
}

/** A proxy's request names an enterprise other than itself and the owner (its key comes at confirm). */
function proxyRequestCheck(
  dataset: DatasetState,
  proxy: string,
  enterprise: string | undefined,
): BotError | null {
  if (enterprise === undefined) return null;
  if (enterprise === proxy)
    return botError(
      'BAD_REQUEST',
      'A proxy asks for another party: leave "for" out to ask for yourself.',
    );
  if (enterprise === dataset.owner)
    return botError('BAD_REQUEST', `The owner of "${dataset.id}" reads it without a proxy.`);
  return null;
}

/** The `by` of a request a market purchase opened: only market.deliver grants it. */
export const marketRequestBy = 'market';

function decidable(o: DatasetOverlay, tx: Tx, requestId: string, what: string, viaMarket = false) {
  const request = requestIn(o, requestId);
  if (!request || (request.state !== 'pending' && request.state !== 'approved'))
    return botError('NOT_FOUND', 'There is no open request with this id (granted or decided?).');
  if ((request.by === marketRequestBy) !== viaMarket)
    return botError(
      'BAD_REQUEST',
      viaMarket
        ? 'This request is not a market purchase.'
        : 'This request is a market purchase: its seller delivers it with market.deliver, which releases the escrow.',
    );
  const dataset = datasetIn(o, request.dataset);
  if (!dataset) return botError('NOT_FOUND', 'The dataset of this request is gone.');
  return ownerOnly(dataset, tx.from, what) ?? { request, dataset };
}

type GrantKeys = Array<{ version: number; key: WrappedKey }>;
interface GrantPlan {
  request: RequestRecord;
  dataset: DatasetState;
  versions: VersionState[];
  /** The view granted: full (keys of the versions) or a projection or aggregate (no key). */
  view: ReadView;
}

function grantCheck(
  o: DatasetOverlay,
  tx: Tx,
  requestId: string,
  keys: GrantKeys,
  viaMarket: boolean,
  grantView?: unknown,
): GrantPlan | BotError {
  const found = decidable(o, tx, requestId, 'grants access', viaMarket);
  if (found instanceof BotError) return found;
  const { request, dataset } = found;
  if (request.for !== undefined && !request.confirmed)
    return botError(
      'UNAUTHORIZED',
      `${request.for} has not confirmed (dataset.confirm) that this proxy asks for it: grant once it has.`,
    );
  const asked = request.view ?? fullView;
  const view = grantView === undefined ? asked : checkReadView(grantView);
  if (!viewWithin(view, asked))
    return botError(
      'BAD_REQUEST',
      'The view granted shows more than the request asked for: grant the same view or a narrower one.',
    );
  if (view.kind !== 'full' && keys.length > 0)
    return botError(
      'BAD_REQUEST',
      'A grant to a projection or an aggregate carries no key of the full versions.',
    );
  if (dataset.readers.length + viewersOf(dataset).length >= limits.readersPerDatasetMax)
    return botError(
      'TOO_LARGE',
      `"${dataset.id}" is shared with ${limits.readersPerDatasetMax} readers; revoke one first.`,
    );
  const versions: VersionState[] = [];
  for (const { version, key } of keys) {
    if (key.reader !== request.reader)
      return botError('BAD_REQUEST', `A key in this grant is for ${key.reader}, not the reader.`);
    const v = versionIn(o, dataset.id, version);
    if (!v) return botError('NOT_FOUND', `"${dataset.id}" has no version ${version}.`);
    if (v.readers.includes(request.reader))
      return botError('BAD_REQUEST', `The reader already has the key of version ${version}.`);
    versions.push(v);
  }
  return { request, dataset, versions, view };
}

function grantDo(
  o: DatasetOverlay,
  plan: GrantPlan,
  keys: GrantKeys,
  tx: Tx,
  txId: string,
  height: number,
): void {
  const { request, dataset, versions, view } = plan;
  for (const [i, v] of versions.entries()) {
    const key = keys[i]!.key;
    o.versions.set(versionKey(v.dataset, v.version), { ...v, readers: [...v.readers, key.reader] });
    o.wraps.set(`${versionKey(v.dataset, v.version)}/${key.reader}`, key);
  }
  if (view.kind === 'full')
    o.datasets.set(dataset.id, { ...dataset, readers: [...dataset.readers, request.reader] });
  else
    o.datasets.set(dataset.id, {
      ...dataset,
      viewers: [...viewersOf(dataset), { reader: request.reader, view }],
    });
  const granted = decided(request, 'granted', tx, height);
  if (view.kind === 'full') delete granted.view;
  else granted.view = view;
  o.requests.set(request.id, granted);
  const e = event('grant', dataset.id, request.reader, null, request.purpose, tx, txId, height);
  log(o, request.for === undefined ? e : { ...e, for: request.for });
}

function applyGrant(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as { request: string; keys: GrantKeys; view?: unknown };
  const plan = grantCheck(o, tx, body.request, body.keys, false, body.view);
  if (plan instanceof BotError) return plan;
  grantDo(o, plan, body.keys, tx, txId, height);
  return null;
}

// ---- the data market's hooks (worker/core/modules/market) -------------------------------------
// A purchase opens an approved request (by "market") for the buyer, with the offer's terms as its
// purpose; only market.deliver grants it (with keys for every version in the grant window), and
// a refund after the deadline closes it as denied. Each hook is a check (no write) and a write.

/** The versions a delivery must carry keys for: the grant window's, oldest first. */
export function marketWindow(o: DatasetOverlay, dataset: string): number[] {
  const latest = datasetIn(o, dataset)?.latest ?? 0;
  const out: number[] = [];
  for (let v = Math.max(1, latest - limits.grantVersionsMax + 1); v <= latest; v++) out.push(v);
  return out;
}

/** Whether a market request for `reader` may open on `dataset` now (null: it may). */
export function marketRequestCheck(
  o: DatasetOverlay,
  dataset: string,
  reader: string,
  extraOpen = 0,
): BotError | null {
  const d = existing(o, dataset);
  if (d instanceof BotError) return d;
  if (reader === d.owner)
    return botError('BAD_REQUEST', 'You own this dataset; you read it already.');
  if (d.readers.includes(reader))
    return botError('BAD_REQUEST', `You read "${dataset}" already; there is nothing to buy.`);
  if (viewOf(d, reader))
    return botError(
      'BAD_REQUEST',
      `You have a view of "${dataset}"; ask its owner to revoke it before buying the full data.`,
    );
  if (!keyIn(o, reader))
    return botError(
      'BAD_REQUEST',
      'Publish your X25519 key (identity.x25519) first: the seller wraps the key for it.',
    );
  const open = openOf(o, dataset);
  const mine = open.find((r) => r.reader === reader);
  if (mine)
    return botError(
      'BAD_REQUEST',
      `You already have a ${mine.state} request for "${dataset}" (a purchase waiting for delivery?).`,
    );
  if (
    open.filter((r) => r.state !== 'granted').length + extraOpen >=
    limits.requestsOpenPerDatasetMax
  )
    return botError(
      'TOO_LARGE',
      `"${dataset}" has ${limits.requestsOpenPerDatasetMax} requests waiting; try again later.`,
    );
  return null;
}

/** Open the approved request of a purchase (after marketRequestCheck passed). */
export function openMarketRequest(
  o: DatasetOverlay,
  id: string,
  dataset: string,
  reader: string,
  purpose: string,
  txId: string,
  height: number,
  time: number,
): void {
  o.requests.set(id, {
    id,
    dataset,
    reader,
    purpose,
    state: 'approved',
    by: marketRequestBy,
    height,
    time,
    decidedHeight: height,
    decidedTime: time,
  });
  log(o, {
    kind: 'request',
    dataset,
    reader,
    version: null,
    purpose,
    by: reader,
    height,
    time,
    tx: txId,
  });
}

/** Check a delivery's grant: the seller's keys for the buyer, one per version of the window. */
export function marketGrantCheck(
  o: DatasetOverlay,
  tx: Tx,
  requestId: string,
  keys: GrantKeys,
): GrantPlan | BotError {
  const plan = grantCheck(o, tx, requestId, keys, true);
  if (plan instanceof BotError) return plan;
  const want = marketWindow(o, plan.dataset.id);
  if (want.join(',') !== keys.map((k) => k.version).join(','))
    return botError(
      'BAD_REQUEST',
      `A delivery carries a key for each of the versions ${want.length ? `${want[0]} to ${want.at(-1)}` : '(none)'} of "${plan.dataset.id}", in order.`,
    );
  return plan;
}

/** Grant a delivery checked by marketGrantCheck. */
export function marketGrantDo(
  o: DatasetOverlay,
  plan: GrantPlan,
  keys: GrantKeys,
  tx: Tx,
  txId: string,
  height: number,
): void {
  grantDo(o, plan, keys, tx, txId, height);
}

/** Close a purchase's request that was not delivered by its deadline (denied, logged). */
export function closeMarketRequest(
  o: DatasetOverlay,
  requestId: string,
  tx: Tx,
  txId: string,
  height: number,
): void {
  const request = requestIn(o, requestId);
  if (!request || (request.state !== 'pending' && request.state !== 'approved')) return;
  o.requests.set(request.id, decided(request, 'denied', tx, height));
  log(o, event('deny', request.dataset, request.reader, null, request.purpose, tx, txId, height));
}

export type { GrantPlan };

export function decided(
  r: RequestRecord,
  state: RequestState,
  tx: Tx,
  height: number,
): RequestRecord {
  return { ...r, state, by: tx.from, decidedHeight: height, decidedTime: tx.time };
}

function applyDeny(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as { request: string };
  const found = decidable(o, tx, body.request, 'decides requests');
  if (found instanceof BotError) return found;
  const { request, dataset } = found;
  o.requests.set(request.id, decided(request, 'denied', tx, height));
  const { reader, purpose } = request;
  log(o, event('deny', dataset.id, reader, null, purpose, tx, txId, height, request.for));
  return null;
}

function applyRevoke(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as { dataset: string; reader: string };
  const dataset = existing(o, body.dataset);
  if (dataset instanceof BotError) return dataset;
  const denied = ownerOnly(dataset, tx.from, 'revokes access');
  if (denied) return denied;
  const viewer = viewOf(dataset, body.reader) !== null;
  if (!dataset.readers.includes(body.reader) && !viewer)
    return botError('NOT_FOUND', `${body.reader} is not a reader of "${dataset.id}".`);
  o.datasets.set(dataset.id, {
    ...dataset,
    readers: dataset.readers.filter((d) => d !== body.reader),
    ...(viewer ? { viewers: viewersOf(dataset).filter((v) => v.reader !== body.reader) } : {}),
  });
  const request = openOf(o, dataset.id).find(
    (r) => r.reader === body.reader && r.state === 'granted',
  );
  if (request) o.requests.set(request.id, decided(request, 'revoked', tx, height));
  log(o, event('revoke', dataset.id, body.reader, null, null, tx, txId, height, request?.for));
  return null;
}

function applyAccess(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as { dataset: string; version: number; purpose: string };
  const dataset = existing(o, body.dataset);
  if (dataset instanceof BotError) return dataset;
  const v = versionIn(o, dataset.id, body.version);
  if (!v) return botError('NOT_FOUND', `"${dataset.id}" has no version ${body.version}.`);
  const derived = derivedIn(o, dataset.id, body.version, tx.from);
  if (tx.from !== dataset.owner && !v.readers.includes(tx.from) && !derived)
    return botError(
      'UNAUTHORIZED',
      `Version ${body.version} of "${dataset.id}" is not shared with you: ask its owner for access.`,
    );
  log(o, event('access', dataset.id, tx.from, body.version, body.purpose, tx, txId, height));
  return null;
}

function derivedIn(o: DatasetOverlay, id: string, v: number, reader: string) {
  const key = derivedKey(id, v, reader);
  return o.derived.get(key) ?? o.base.derived.get(key);
}

/** The owner's view of one version for one viewer, sealed with a key wrapped for it only. */
function applyDerive(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as {
    dataset: string;
    version: number;
    reader: string;
    fingerprint: Uint8Array;
    sealedBytes: number;
    key: WrappedKey;
  };
  const dataset = existing(o, body.dataset);
  if (dataset instanceof BotError) return dataset;
  const denied = ownerOnly(dataset, tx.from, 'derives views of it');
  if (denied) return denied;
  if (!versionIn(o, dataset.id, body.version))
    return botError('NOT_FOUND', `"${dataset.id}" has no version ${body.version}.`);
  const view = viewOf(dataset, body.reader);
  if (!view)
    return botError(
      'UNAUTHORIZED',
      `${body.reader} has no projection or aggregate of "${dataset.id}" granted (never, or revoked).`,
    );
  if (derivedIn(o, dataset.id, body.version, body.reader))
    return botError(
      'BAD_REQUEST',
      `The view of version ${body.version} for this reader is derived already.`,
    );
  const { dataset: id, version, reader, fingerprint, sealedBytes, key } = body;
  o.derived.set(derivedKey(id, version, reader), {
    ...{ dataset: id, version, reader, view, fingerprint, sealedBytes, key },
    ...{ height, time: tx.time, tx: txId },
  });
  log(o, event('derive', dataset.id, reader, version, null, tx, txId, height));
  return null;
}

/** The view derived for `did` of that version, or undefined. */
export function derivedFor(
  registry: DatasetRegistry,
  dataset: string,
  version: number,
  did: string,
): DerivedState | undefined {
  return registry.derived.get(derivedKey(dataset, version, did));
}

/** Whether `did` holds a key for that version (the owner always does). */
export function mayReadVersion(
  registry: DatasetRegistry,
  dataset: string,
  version: number,
  did: string,
): boolean {
  const d = registry.datasets.get(dataset);
  if (!d) return false;
  if (d.owner === did) return true;
  return registry.versions.get(versionKey(dataset, version))?.readers.includes(did) ?? false;
}

/** After the block: write what changed; the registry for the next block. */
export function finishDatasets(
  o: DatasetOverlay,
  height: number,
  writes: Map<string, Uint8Array>,
): DatasetRegistry {
  for (const [did, binding] of o.keys) writes.set(keyPrefix + did, encode(binding));
  for (const [id, d] of o.datasets) writes.set(setPrefix + id, encode(d));
  for (const [key, entry] of o.published) writes.set(versionPrefix + key, encode(entry));
  for (const [key, wrap] of o.wraps) writes.set(wrapPrefix + key, encode(wrap));
  for (const [id, r] of o.requests) writes.set(requestPrefix + id, encode(r));
  for (const [key, d] of o.derived) writes.set(derivedPrefix + key, encode(d));
  for (const [id, list] of o.log) writes.set(logPrefix + id, encode({ h: height, e: list }));
  if (o.keys.size + o.datasets.size + o.versions.size + o.requests.size + o.derived.size === 0)
    return o.base;
  const keys = new Map(o.base.keys);
  for (const [did, { h: _h, ...binding }] of o.keys) keys.set(did, binding);
  const datasets = new Map(o.base.datasets);
  for (const [id, d] of o.datasets) datasets.set(id, d);
  const versions = new Map(o.base.versions);
  for (const [key, v] of o.versions) versions.set(key, v);
  const open = new Map(o.base.open);
  for (const [id, r] of o.requests) {
    if (isOpen(r)) open.set(id, r);
    else open.delete(id);
  }
  const derived = o.derived.size ? new Map(o.base.derived) : o.base.derived;
  for (const [key, d] of o.derived) (derived as Map<string, DerivedState>).set(key, d);
  return { keys, derived, datasets, versions, open };
}

// ---- decoding stored entries -------------------------------------------------------------------

const recordBytesMax = 256 * 1024;

export function decodeDatasetState(bytes: Uint8Array): DatasetState {
  return decode<DatasetState>(bytes, recordBytesMax);
}
export function decodeVersionEntry(bytes: Uint8Array): VersionEntry {
  return decode<VersionEntry>(bytes, recordBytesMax);
}
export function decodeWrappedKey(bytes: Uint8Array): WrappedKey {
  return decode<WrappedKey>(bytes, 1024);
}
export function decodeDerived(bytes: Uint8Array): DerivedState {
  return decode<DerivedState>(bytes, 16 * 1024);
}
export function decodeRequest(bytes: Uint8Array): RequestRecord {
  return decode<RequestRecord>(bytes, 4096);
}
export function decodeKeyBinding(bytes: Uint8Array): KeyBinding {
  const { h: _h, ...binding } = decode<KeyBinding & { h: number }>(bytes, 1024);
  return binding;
}
/** The events one block wrote for one dataset. */
export function decodeDatasetEvents(bytes: Uint8Array, blockBytesMax: number): DatasetEvent[] {
  return decode<{ h: number; e: DatasetEvent[] }>(bytes, blockBytesMax).e;
}

/** Whether a state key belongs to this module (the ledger hands these to datasetsFromEntries). */
export const isDatasetKey = (key: string) => key.startsWith('ds/');

/** Rebuild the registry from stored entries (ds/ keys; others are ignored). */
export function datasetsFromEntries(
  entries: Iterable<readonly [string, Uint8Array]>,
): DatasetRegistry {
  const keys = new Map<string, KeyBinding>();
  const datasets = new Map<string, DatasetState>();
  const versions = new Map<string, VersionState>();
  const wraps: string[] = [];
  const open = new Map<string, RequestRecord>();
  const derived = new Map<string, DerivedState>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(keyPrefix)) keys.set(key.slice(keyPrefix.length), decodeKeyBinding(bytes));
    else if (key.startsWith(setPrefix))
      datasets.set(key.slice(setPrefix.length), decodeDatasetState(bytes));
    else if (key.startsWith(versionPrefix)) {
      const { keys: wrapped, ...v } = decodeVersionEntry(bytes);
      versions.set(versionKey(v.dataset, v.version), {
        ...v,
        readers: wrapped.map((k) => k.reader),
      });
    } else if (key.startsWith(wrapPrefix)) wraps.push(key.slice(wrapPrefix.length));
    else if (key.startsWith(derivedPrefix))
      derived.set(key.slice(derivedPrefix.length), decodeDerived(bytes));
    else if (key.startsWith(requestPrefix)) {
      const r = decodeRequest(bytes);
      if (isOpen(r)) open.set(r.id, r);
    }
  }
  for (const path of wraps) {
    const at = path.lastIndexOf('/');
    const v = versions.get(path.slice(0, at));
    if (v) v.readers = [...v.readers, path.slice(at + 1)];
  }
  return { keys, derived, datasets, versions, open };
}
