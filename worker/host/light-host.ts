// A chain this peer follows as a light peer (issue 19): joined with { light: true }, it holds no
// ledger and replays no block. It follows headers and certificates from the chain's full peers
// (light.ts NetLightSource, LightFollower), keeps its light-client state in its own store (so a
// restart goes on from where it was, not from genesis), reads balances and keys with Merkle
// proofs checked against headers it verified, and submits: it signs here, hands the transaction
// to its full peers, and reports it committed only once a full peer proves it is in a block
// whose header this peer verified (light.ts LightFollower.inclusion). Every method that needs
// the full state says so plainly (lightOnly).
import { decode, encode } from '../core/codec';
import { toHex } from '../core/bytes';
import { BotError, botError } from '../core/errors';
import { accountPrefix } from '../core/ledger';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed, signSync } from '../core/crypto/ed25519';
import { headerAt, trustGenesis, type LightClientState } from '../core/lightclient';
import { decodeTokenAccount } from '../core/modules/tokens/apply';
import { tokenAccountPrefix } from '../core/modules/tokens/types';
import { signTx, txIdOf, type UnsignedTx } from '../core/tx';
import { checkTx } from '../core/tx';
import type { Clock, TimerHandle } from '../net/clock';
import type { PeerNet } from '../net/types';
import type { Storage } from '../store/storage';
import { methodNames } from '../api';
import type {
  BalanceView,
  GetResult,
  NetworkView,
  PeerEvent,
  PeerMethods,
  SealedView,
  Settings,
  Status,
  TxResult,
} from '../api';
import type { AbsenceProofView, StateProofView } from '../api-common';
import type { ChainRecord } from './host-state';
import { isPresent, LightFollower, NetLightSource, type LightRead } from './light';
import { absenceProofView } from '../core/proof';
import {
  dataPrefix,
  decodeDataEntry,
  decodeSealedWrap,
  sealedWrapKey,
  type SealedValue,
} from '../core/modules/data';
import { openWithWrap } from './sealed-values';
import { LightReaderKey } from './light-reader-key';
import { bestX25519, type X25519Backend } from '../data/x25519';
import { LightIts } from './its-light';
import { itsNetworkView } from './its-reads';
import type {
  ItsConditionProofView,
  ItsConditionsView,
  ItsDriveView,
  ItsNear,
  ItsNetworkView,
  ItsReport,
} from '../api-its';
import { browserOnline, ItsHost } from './its';
import type { SecretBox } from './keys-at-rest';
import type { LightProof } from './wire';

/** How often a light peer asks its full peers for new headers. */
export const lightFollowIntervalMs = 1_000;
/** How often a light peer asks for its transactions' inclusion while it waits for them. */
export const lightInclusionPollMs = 1_000;
/** Own transactions a light peer waits for at once. */
export const lightPendingTxsMax = 64;
/** Meta key of the light-client state in the chain's own store. */
const stateKey = 'light.state';

export interface LightHostOptions {
  record: ChainRecord;
  storage: Storage;
  net?: PeerNet;
  seed: Uint8Array;
  clock: Clock;
  now: () => number;
  emit: (event: PeerEvent) => void;
  /** The peer's settings (relays, ICE servers, link limit). */
  settings: () => Promise<Settings>;
  defaultRelays?: string[];
  /** Trip keys of a reporting vehicle (./its.ts): their randomness and their sealing at rest. */
  randomBytes?: (length: number) => Uint8Array;
  secretBox?: SecretBox;
}

/** The plain refusal of a method that needs the chain's full state. */
export function lightOnly(method: string, chainName: string): BotError {
  return botError(
    'BAD_REQUEST',
    `This peer follows ${chainName} as a light peer (headers and proofs only, for phones): ${method} needs the chain's full state, which a light peer does not hold. Join the chain as a full peer for it.`,
  );
}

export class LightHost {
  private follower!: LightFollower;
  private source: NetLightSource | null = null;
  private timer: TimerHandle | null = null;
  private started: Promise<Status> | null = null;
  private stopped = false;
  private following = false;
  private lastError: string | null = null;
  private lastAskedAdmission = -Infinity;
  private admitted = false;
  /** The verified height last saved in the store. */
  private savedHeight = 0;
  private x25519: Promise<X25519Backend> | undefined;
  /** The highest nonce this peer signed on this chain (pending or committed). */
  private nonceNext = 0;
  private readonly pending = new Map<string, Array<(r: TxResult) => void>>();
  readonly did: string;
  /** Publishes this identity's X25519 key once it holds a read role (issue 15). */
  private readonly readerKey: LightReaderKey;

  constructor(private readonly o: LightHostOptions) {
    this.did = didFromPublicKey(publicKeyFromSeed(o.seed));
    this.readerKey = new LightReaderKey({
      did: this.did,
      seed: o.seed,
      follower: () => this.follower,
      hintedRoles: () => this.source?.readRoles ?? [],
      submit: (request) => this.submit(request),
      waiting: (txId) => this.pending.has(txId),
      note: (level, message) => this.note(level, message),
    });
  }

  get record(): ChainRecord {
    return this.o.record;
  }

  currentChainId(): string {
    return this.o.record.chainId;
  }

  fault(): string | null {
    return null;
  }

  ready(): Promise<Status> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<Status> {
    const saved = await this.o.storage.getMeta<Uint8Array>(stateKey);
    let state: LightClientState = trustGenesis(this.o.record.genesis);
    if (saved instanceof Uint8Array) {
      const restored = decode<LightClientState>(saved, 1 << 20);
      if (restored.chainId === state.chainId) state = restored;
    }
    if (this.o.net) {
      const settings = await this.o.settings();
      const relays = [
        ...new Set([
          ...settings.relays,
          ...(this.o.record.relays ?? []),
          ...(settings.relays.length ? [] : (this.o.defaultRelays ?? [])),
        ]),
      ];
      this.source = new NetLightSource(
        this.o.net,
        {
          did: this.did,
          sign: async (message) => signSync(this.o.seed, message),
          room: this.o.record.chainId,
          relays,
          iceServers: settings.iceServers,
          ...(settings.linksMax === undefined ? {} : { linksMax: settings.linksMax }),
        },
        this.o.clock,
      );
    }
    this.follower = new LightFollower(state, this.source ?? noSource);
    this.savedHeight = state.height;
    this.schedule(0);
    return this.status();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.follower) await this.save();
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
    this.vehicleHost?.close();
    this.source?.stop();
  }

  /** Wipe what this light chain stored (leaveChain without keeping data, reset). */
  async wipe(): Promise<void> {
    await this.stop();
    await this.o.storage.clear();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = null;
      void this.pass().finally(() => this.schedule(lightFollowIntervalMs));
    }, ms);
  }

  /** One pass: ask admission while not admitted, follow the full peers, save the state. */
  private async pass(): Promise<void> {
    if (!this.source || this.following || this.source.linked.length === 0) return;
    this.following = true;
    const before = this.follower.height;
    const wasAdmitted = this.admitted;
    try {
      const now = this.o.now();
      if (!this.admitted && now - this.lastAskedAdmission > 5_000) {
        this.lastAskedAdmission = now;
        this.source.askAdmission(this.o.record.token ?? null);
      }
      await this.follower.follow();
      this.admitted = true;
      this.lastError = null;
      this.readerKey
        .afterPass()
        .catch((error: Error) =>
          this.note('warn', `Light peer: the X25519 key was not published: ${error.message}`),
        );
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastError) this.note('warn', `Light peer: ${message}`);
      this.lastError = message;
    } finally {
      this.following = false;
    }
    if (this.admitted !== wasAdmitted && this.follower.height === before)
      this.o.emit({ type: 'status', status: await this.status() });
    if (this.follower.height !== before) {
      await this.save();
      this.o.emit({ type: 'status', status: await this.status() });
    }
  }

  /** Keep the light-client state in the store when it moved (a pass, or a read that followed). */
  private async save(): Promise<void> {
    const state = this.follower.state;
    if (state.height === this.savedHeight) return;
    try {
      await this.o.storage.putMeta(stateKey, encode(state));
      this.savedHeight = Math.max(this.savedHeight, state.height);
    } catch (error) {
      this.note(
        'error',
        `Light peer: the verified headers were not saved (${(error as Error).message}).`,
      );
    }
  }

  note(level: 'info' | 'warn' | 'error', message: string): void {
    this.o.emit({ type: 'log', entry: { time: this.o.now(), level, message } });
  }

  // ---- the methods a light peer answers ---------------------------------------------------

  async status(): Promise<Status> {
    const { genesis, chainId } = this.o.record;
    const state = this.follower?.state ?? trustGenesis(genesis);
    const kept = headerAt(state, state.height);
    return {
      chainId,
      chainName: genesis.name,
      height: state.height,
      headHash: state.hash ? toHex(state.hash) : '',
      peers: this.source?.linked.length ?? 0,
      role: 'observer',
      mode: genesis.mode,
      consensus: genesis.consensus.engine,
      syncing: false,
      mempool: this.pending.size,
      integrity: {
        ok: true,
        verifiedHeight: state.height,
        stateVerified: false,
        problems: [],
        checkedAt: kept?.time ?? 0,
      },
      storage: 'memory',
      verifier: { backend: 'noble', threads: 0 },
      // full peers answer a light peer of a consortium or private chain only once it is a member
      admission:
        this.admitted || state.height > 0 || genesis.mode === 'public' ? 'admitted' : 'waiting',
      headerHeight: state.height,
      readAccess: 'full',
      readRefusals: { sent: 0, taken: 0 },
      light: { verifiedHeight: state.height, storedBytes: this.follower?.storedBytes() ?? 0 },
    };
  }

  async network(): Promise<NetworkView> {
    const view = this.o.net?.view();
    return (
      view ?? {
        did: this.did,
        room: null,
        neighbours: [],
        relays: [],
        webrtc: 'unknown',
        notice: 'This light peer runs without a network.',
      }
    );
  }

  /** A data key, proven: checked here against a header this peer verified. */
  async get(key: string): Promise<GetResult | null> {
    await this.ready();
    if (typeof key !== 'string' || key.length === 0)
      throw botError('BAD_REQUEST', 'get takes a key.');
    const read: LightRead | null = await this.follower.get(key);
    if (!read) return null;
    const entry = decodeDataEntry(read.proof.entry);
    const opened = entry.sealed ? await this.openSealed(key, entry.sealed, entry.txId) : null;
    return {
      value: opened ? opened.value : read.value,
      ...(opened ? { sealed: opened.sealed } : {}),
      deleted: read.deleted,
      height: read.height,
      txId: entry.txId,
      proof: proofView(read.proof, this.follower.state),
    };
  }

  /**
   * A sealed value (issue 15), opened when this identity holds a wrap of it: in the value's own
   * entry (proven with it), or added by a share (sealwrap/<did>/<key>, proven the same way).
   * A light peer keeps no governance state, so `role` is null.
   */
  private async openSealed(
    key: string,
    sealed: SealedValue,
    txId: string,
  ): Promise<{ value: unknown; sealed: SealedView }> {
    let wrap = sealed.keys.find((k) => k.reader === this.did);
    const readers = sealed.keys.map((k) => k.reader);
    if (!wrap) {
      const added = await this.follower.getState(sealedWrapKey(this.did, key));
      const shared = added ? decodeSealedWrap(added.entry) : null;
      if (shared && shared.tx === txId && shared.wrap.reader === this.did) {
        wrap = shared.wrap;
        readers.push(this.did);
      }
    }
    const view: SealedView = { role: null, readers, opened: false };
    if (!wrap)
      return {
        value: null,
        sealed: {
          ...view,
          reason:
            "sealed for the holders of a read role; this peer's identity holds no wrap of it (a holder's peer shares it once this identity holds the role and has published its key)",
        },
      };
    this.x25519 ??= bestX25519();
    const value = await openWithWrap(this.o.seed, this.did, key, sealed, wrap, await this.x25519);
    return { value, sealed: { ...view, opened: true } };
  }

  /**
   * The proof that nothing is stored under `key`, from a full peer, checked here against the
   * header this peer verified at its height (LightFollower.proven); null when the key has a value.
   */
  async absenceProof(key: string): Promise<AbsenceProofView | null> {
    await this.ready();
    if (typeof key !== 'string' || key.length === 0)
      throw botError('BAD_REQUEST', 'absenceProof takes a key.');
    const read = await this.follower.proven(dataPrefix + key, key, false);
    if (isPresent(read)) return null;
    const header = headerAt(this.follower.state, read.height);
    if (!header)
      throw botError('NOT_FOUND', `This light peer keeps no header of block ${read.height}.`);
    return absenceProofView(read.key, read, header.stateRoot, read.height);
  }

  /** A token balance, proven (the account's tok/acct entry against a verified header). */
  async balance(account?: string): Promise<BalanceView> {
    await this.ready();
    const who = account ?? this.did;
    const tokens = this.o.record.genesis.tokens;
    const read = await this.follower.getState(tokenAccountPrefix + who);
    const height = read?.proof.height ?? this.follower.height;
    return {
      account: who,
      balance: read ? decodeTokenAccount(read.entry).balance : 0,
      symbol: tokens?.symbol ?? null,
      fee: tokens?.fee ?? 0,
      supply: 0,
      height,
      proof: read ? proofView(read.proof, this.follower.state) : null,
      rule: null,
    };
  }

  // ---- road conditions near this phone, proven (./its-light.ts) ----
  private itsReads: LightIts | null = null;
  private get its(): LightIts {
    this.itsReads ??= this.makeIts();
    return this.itsReads;
  }
  private makeIts(): LightIts {
    return new LightIts({
      genesis: this.o.record.genesis,
      follower: async () => {
        await this.ready();
        return this.follower;
      },
      proofView: (proof) => proofView(proof, this.follower.state),
    });
  }

  async itsNetwork(): Promise<ItsNetworkView> {
    return itsNetworkView();
  }

  itsConditions(near?: ItsNear): Promise<ItsConditionsView> {
    return this.its.itsConditions(near);
  }

  itsCondition(segment: string): Promise<ItsConditionProofView> {
    return this.its.itsCondition(segment);
  }

  // ---- a light phone as a reporting vehicle (issue 20): ./its.ts's trip over proven reads ----
  private vehicleHost: ItsHost | null = null;
  private get vehicle(): ItsHost {
    this.vehicleHost ??= new ItsHost({
      storage: this.o.storage,
      durable: () => {
        throw lightOnly('the ITS state', this.o.record.genesis.name);
      },
      // Verdicts and rewards read with proofs checked against verified headers.
      vehicleLedger: () => ({
        chainId: this.o.record.chainId,
        genesis: this.o.record.genesis,
        entry: async (key) => (await this.follower.getState(key))?.entry,
        balance: (did) => this.tripBalance(did),
      }),
      self: () => this.did,
      seed: () => this.o.seed,
      // A trip key's observation, signed here, handed to the linked full peers.
      admit: async (tx) => {
        if (!this.source || this.source.submit(tx) === 0)
          throw botError('NOT_READY', 'This light peer is linked to no full peer yet.');
        return { txId: txIdOf(tx) };
      },
      submit: (request) => this.submit(request),
      online: () => browserOnline() && (this.source?.linked.length ?? 0) > 0,
      clock: this.o.clock,
      now: this.o.now,
      randomBytes:
        this.o.randomBytes ?? ((length) => crypto.getRandomValues(new Uint8Array(length))),
      ...(this.o.secretBox ? { secretBox: this.o.secretBox } : {}),
    });
    return this.vehicleHost;
  }

  /** Trip keys' balances, proven, read again only when the verified height moved. */
  private readonly tripBalances = new Map<string, { height: number; balance: number }>();
  private async tripBalance(did: string): Promise<number> {
    const height = this.follower.height;
    const known = this.tripBalances.get(did);
    if (known?.height === height) return known.balance;
    const { balance } = await this.balance(did);
    this.tripBalances.set(did, { height, balance });
    return balance;
  }

  async itsTripKeys(count: number): Promise<{ request: string; keys: number }> {
    return this.vehicle.itsTripKeys(count);
  }

  async itsAddCertificates(certificates: string): Promise<{ certified: number }> {
    return this.vehicle.itsAddCertificates(certificates);
  }

  async itsStartTrip(): Promise<ItsDriveView> {
    await this.ready();
    return this.vehicle.itsStartTrip();
  }

  async itsStopTrip(): Promise<ItsDriveView> {
    await this.ready();
    return this.vehicle.itsStopTrip();
  }

  async itsReport(report: ItsReport): Promise<ItsDriveView> {
    await this.ready();
    return this.vehicle.itsReport(report);
  }

  async itsDrive(): Promise<ItsDriveView> {
    await this.ready();
    return this.vehicle.itsDrive();
  }

  async transfer(request: { to: string; amount: number; memo?: string }) {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'transfer takes { to, amount, memo? }.');
    const { to, amount, memo } = request;
    return this.submit({
      type: 'token.transfer',
      body: memo === undefined ? { to, amount } : { to, amount, memo },
    });
  }

  /**
   * Sign here with the nonce after the proven committed one (and after this peer's pending
   * ones), and hand the transaction to the linked full peers.
   */
  async submit(request: { type: string; body: unknown }): Promise<{ txId: string }> {
    await this.ready();
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'submit takes { type, body }.');
    if (this.pending.size >= lightPendingTxsMax)
      throw botError(
        'QUOTA',
        `This light peer waits for ${this.pending.size} transactions already (lightPendingTxsMax = ${lightPendingTxsMax}).`,
      );
    if (!this.source || this.source.linked.length === 0)
      throw botError('NOT_READY', 'This light peer is linked to no full peer yet; try again.');
    const account = await this.follower.getState(accountPrefix + this.did);
    const committed = account ? decode<{ n: number }>(account.entry, 64).n : 0;
    const nonce = Math.max(this.nonceNext, committed) + 1;
    const unsigned: UnsignedTx = {
      chain: this.o.record.chainId,
      type: request.type,
      from: this.did,
      nonce,
      time: this.o.now(),
      body: request.body,
    };
    checkTx({ ...unsigned, sig: new Uint8Array(64) });
    const tx = signTx(unsigned, this.o.seed);
    const txId = txIdOf(tx);
    if (this.source.submit(tx) === 0)
      throw botError('NOT_READY', 'No full peer took the transaction; try again.');
    this.nonceNext = nonce;
    this.pending.set(txId, []);
    void this.watch(txId);
    return { txId };
  }

  /** Ask for the transaction's inclusion until a full peer proves it (or the peer stops). */
  private async watch(txId: string): Promise<void> {
    while (!this.stopped) {
      let result: TxResult | null = null;
      try {
        result = await this.resultOf(txId);
      } catch (error) {
        this.note('warn', `Light peer: ${(error as Error).message}`);
      }
      if (result) {
        const waiters = this.pending.get(txId) ?? [];
        this.pending.delete(txId);
        this.o.emit({ type: 'tx', txId, result });
        for (const w of waiters) w(result);
        return;
      }
      await new Promise<void>((resolve) => this.o.clock.setTimeout(resolve, lightInclusionPollMs));
    }
  }

  /** The result, proven (LightFollower.result): committed only with its failure record proven absent. */
  private resultOf(txId: string): Promise<TxResult | null> {
    return this.follower.result(txId);
  }

  async waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult> {
    await this.ready();
    if (typeof txId !== 'string' || !/^[0-9a-f]{64}$/.test(txId))
      throw botError('BAD_REQUEST', 'waitFor takes a transaction id (64 hex digits).');
    const waiters = this.pending.get(txId);
    if (!waiters) {
      const known = await this.resultOf(txId);
      if (known) return known;
      throw botError(
        'NOT_FOUND',
        `Transaction ${txId.slice(0, 12)} is in no block this light peer can prove.`,
      );
    }
    const timeoutMs = options?.timeoutMs ?? 30_000;
    return new Promise<TxResult>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(
        () =>
          reject(
            botError(
              'TIMEOUT',
              `Transaction ${txId.slice(0, 12)} was not proven in a block within ${timeoutMs} ms.`,
            ),
          ),
        timeoutMs,
      );
      waiters.push((r) => {
        this.o.clock.clearTimeout(timer);
        resolve(r);
      });
    });
  }

  async chains() {
    const s = await this.status();
    return [
      {
        chainId: s.chainId,
        name: s.chainName,
        mode: s.mode,
        consensus: s.consensus,
        height: s.height,
        active: false,
        role: 'observer' as const,
        light: true,
      },
    ];
  }

  /**
   * This light chain as the methods of a per-chain host: what it answers, and for every other
   * method a plain refusal that names the light peer (lightOnly).
   */
  asMethods(): PeerMethods {
    const answered = new Set([
      'ready',
      'status',
      'network',
      'get',
      'absenceProof',
      'balance',
      'transfer',
      'submit',
      'waitFor',
      'chains',
      'itsNetwork',
      'itsConditions',
      'itsCondition',
      'itsTripKeys',
      'itsAddCertificates',
      'itsStartTrip',
      'itsStopTrip',
      'itsReport',
      'itsDrive',
    ]);
    return new Proxy(this, {
      get: (target, name, receiver) => {
        if (typeof name !== 'string' || answered.has(name) || !apiMethods.has(name))
          return Reflect.get(target, name, receiver);
        return async () => {
          throw lightOnly(name, target.o.record.genesis.name);
        };
      },
    }) as unknown as PeerMethods;
  }
}

const apiMethods: ReadonlySet<string> = new Set(methodNames);

const noSource = {
  head: async () => 0,
  updates: async () => [],
  prove: async () => null,
  include: async () => null,
};

function proofView(proof: LightProof, state: LightClientState): StateProofView {
  const header = headerAt(state, proof.height);
  return {
    key: proof.key,
    entry: toHex(proof.entry),
    siblings: proof.siblings.map(toHex),
    stateRoot: header ? toHex(header.stateRoot) : '',
    height: proof.height,
  };
}
