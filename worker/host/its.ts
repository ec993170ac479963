// Road conditions on a phone (issue 20): the vehicle's trip and its offline queue, the
// provider's certificates and revocations, and the reads of a city dashboard or the live map.
//
// Vehicle: trip keys are made here (itsTripKeys) and certified by the provider (itsCertify on
// the provider's peer; itsAddCertificates here). A trip uses one certified key. Positions come
// in through itsReport (the page's Geolocation watch, or a test feeding positions); each is
// map-matched to the bundled road network; when the vehicle leaves a segment, or the window
// changes, or the trip stops, one observation of that segment (mean speed, congestion from the
// speed against the limit, humidity and temperature from the sensor) is signed with the trip key
// and put in a queue persisted in storage. The queue goes out (in nonce order) when the peer is
// online, on every report and on a timer, and survives a reload.
// Provider: the mapping vehicle -> trip keys stays in this peer's storage (the chain never sees
// it); itsRevoke revokes a vehicle's keys. Anyone may settle ended windows (itsSettle).
import { botError, BotError } from '../core/errors';
import { decode, encode } from '../core/codec';
import { fromHex, toHex, equalBytes } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { didFromPublicKey } from '../core/crypto/did';
import {
  checkTx,
  decodeTx,
  encodeTx,
  txIdOf,
  txSigningBytes,
  withSignature,
  type Tx,
} from '../core/tx';
import { createSigner, type Signer } from './crypto';
import { decodeTxFailure, failurePrefix, type ChainState } from '../core/ledger';
import type { Genesis } from '../core/genesis';
import {
  certificateSignatureHolds,
  checkCertificateShape,
  decodeCondition,
  decodeObservation,
  demoTownNetwork,
  dueWindows,
  emptyIts,
  itsCertificateLifetimeMaxMs,
  itsEngineRpmMax,
  itsObservationPrefix,
  itsSegmentPrefix,
  itsSettingsOf,
  matchPosition,
  signTripCertificate,
  windowKey,
  type SegmentCondition,
  type TripCertificate,
} from '../core/modules/its';
import { balanceOf, emptyTokens } from '../core/modules/tokens';
import type { Clock, TimerHandle } from '../net/clock';
import type { Storage } from '../store/storage';
import type {
  ItsConditionProofView,
  ItsConditionsView,
  ItsConditionView,
  ItsDriveView,
  ItsNear,
  ItsNetworkView,
  ItsProviderView,
  ItsReport,
  ItsSentView,
} from '../api-its';
import {
  itsAccuracyMaxM,
  itsFlushIntervalMs,
  itsQueueMax,
  itsRecentShown,
  itsSentKept,
  itsSettlePerCallMax,
  itsTripKeysMax,
  itsVehicleNameLengthMax,
  itsVehicleTripsKept,
} from './its-limits';
import type { SecretBox } from './keys-at-rest';
import { DriveStore, type DrivePart, type DriveState, type Pending } from './its-drive-store';
import { finishedTripsToDrop, TripKeyStore, tripsFromUsed, type StoredKey } from './its-trips';
import {
  checkNear,
  checkSegments,
  conditionView,
  itsNetworkView,
  providersOf,
  providerTrust,
  segmentIdsNear,
} from './its-reads';

/**
 * What the vehicle side reads of the committed chain: on a full peer its durable state, on a
 * light peer (light-host.ts) entries proven against headers it verified.
 */
export interface ItsVehicleLedger {
  chainId: string;
  genesis: Genesis;
  /** A committed state entry, or undefined when the key holds nothing. */
  entry(key: string): Promise<Uint8Array | undefined>;
  /** A did's token balance. */
  balance(did: string): Promise<number>;
}

export interface ItsHostDeps {
  storage: Storage;
  /** The state of the last durable block (its entries are in storage); providers' reads. */
  durable(): ChainState;
  /** The vehicle's reads; absent: from durable() and storage (a full peer). */
  vehicleLedger?(): ItsVehicleLedger;
  self(): string;
  seed(): Uint8Array;
  /**
   * Hand a transaction signed by a trip key to this peer's mempool and the mesh. `sealedHere`:
   * signed by this service in this run (its signature need not be verified again); one read
   * back from storage is verified as any other.
   */
  admit(tx: Tx, sealedHere?: boolean): Promise<{ txId: string }>;
  /** Sign and send a transaction as this peer. */
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  /** Whether the mesh reaches a validator (or this peer is one): the queue goes out only then. */
  online(): boolean;
  clock: Clock;
  /** Wall time (ms since 1970): observation times. */
  now(): number;
  randomBytes(length: number): Uint8Array;
  /** Seals the trip keys' seeds at rest (keys-at-rest.ts); plain without one (tests). */
  secretBox?: SecretBox;
}

/** False only when the browser knows it has no network (navigator.onLine); Node: true. */
export function browserOnline(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;
}

const vehiclesMeta = 'its/vehicles';
const requestPrefix = 'its-req:';
const certificatesPrefix = 'its-cert:';

/** Congestion from the speed against the limit: 0 free flow .. 3 standstill. */
export function congestionOf(speedKmh: number, limitKmh: number): number {
  const ratio = speedKmh / limitKmh;
  if (ratio >= 0.6) return 0;
  if (ratio >= 0.35) return 1;
  if (ratio >= 0.1) return 2;
  return 3;
}

function finiteIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw botError('BAD_REQUEST', `itsReport: ${name} must be a number from ${min} to ${max}.`);
  return value;
}

export class ItsHost {
  private drive: DriveState | null = null;
  private timer: TimerHandle | null = null;
  private flushing: Promise<void> | null = null;
  /** Seals sign one after another (their nonces reach the queue in order). */
  private signing: Promise<unknown> = Promise.resolve();
  /** The running trip's signer. */
  private tripSigner: { did: string; signer: Promise<Signer> } | null = null;
  /** Observations (hex, as queued) this service signed in this run and has not handed over. */
  private readonly sealedHere = new Set<string>();
  /** Readings of the current position (shown on the Drive page). */
  private humidityPct: number | null = null;
  private temperatureC: number | null = null;

  /** The drive state's records in storage, each written when it changed (its-drive-store.ts). */
  private readonly driveStore: DriveStore;

  constructor(private readonly d: ItsHostDeps) {
    this.tripKeys = new TripKeyStore(d.storage, d.secretBox);
    this.driveStore = new DriveStore(d.storage);
  }

  // ---- reads ----

  async itsNetwork(): Promise<ItsNetworkView> {
    return itsNetworkView();
  }

  async itsConditions(near?: ItsNear | null, segments?: string[]): Promise<ItsConditionsView> {
    const where = checkNear(near);
    const named = segments ? checkSegments(segments) : null;
    const chain = this.d.durable();
    const its = chain.its ?? emptyIts(chain.genesis);
    const settings = itsSettingsOf(chain.genesis, (name) => chain.governance?.policies.get(name));
    const providers = providersOf(chain);
    const trust = new Map(providers.map((p) => [p.did, p.trust]));
    const trustOf = (provider: string) => trust.get(provider) ?? providerTrust(0, 0);
    const wanted = where ? new Set(segmentIdsNear(where)) : null;
    const conditions: ItsConditionView[] = [];
    for (const segment of named ?? [...its.latest.keys()].sort()) {
      if (wanted && !wanted.has(segment)) continue;
      if (!its.latest.has(segment)) continue;
      const bytes = await this.d.storage.getState(chain.chainId, itsSegmentPrefix + segment);
      if (bytes) conditions.push(conditionView(decodeCondition(bytes), chain, trustOf));
    }
    return {
      height: chain.height,
      windowMs: settings.windowMs,
      enabled: settings.providers.length > 0,
      conditions,
      providers,
      near: where,
      ...(named ? { segments: named } : {}),
      proven: false,
    };
  }

  async itsCondition(segment: string): Promise<ItsConditionProofView> {
    if (!demoTownNetwork.segmentById.has(segment))
      throw botError(
        'NOT_FOUND',
        `itsCondition: "${segment}" is not a segment of ${demoTownNetwork.name}.`,
      );
    const key = itsSegmentPrefix + segment;
    const chain = this.d.durable();
    const leaf = chain.trie.get(key);
    if (!leaf) return { condition: null, proof: null };
    const entry = await this.d.storage.getState(chain.chainId, key);
    if (!entry || !equalBytes(sha256(entry), leaf))
      throw botError(
        'TAMPERED',
        `The stored road state of ${segment} does not match the state root.`,
      );
    const proof = chain.trie.prove(key)!;
    const trust = new Map(providersOf(chain).map((p) => [p.did, p.trust]));
    return {
      condition: conditionView(
        decodeCondition(entry),
        chain,
        (provider) => trust.get(provider) ?? providerTrust(0, 0),
      ),
      proof: {
        key,
        entry: toHex(entry),
        siblings: proof.siblings.map(toHex),
        stateRoot: toHex(chain.trie.rootHash()),
        height: chain.height,
      },
    };
  }

  // ---- certificates ----

  /** The trip keys and their sealed seeds (its-trips.ts). */
  private readonly tripKeys: TripKeyStore;

  private keys(): Promise<StoredKey[]> {
    return this.tripKeys.all();
  }

  private putKeys(keys: StoredKey[]): Promise<void> {
    return this.tripKeys.put(keys);
  }

  async itsTripKeys(count: number): Promise<{ request: string; keys: number }> {
    if (!Number.isInteger(count) || count < 1 || count > itsTripKeysMax)
      throw botError(
        'BAD_REQUEST',
        `itsTripKeys: count must be 1 to ${itsTripKeysMax} (itsTripKeysMax).`,
      );
    const keys = await this.keys();
    const waiting = keys.filter((k) => !k.cert && !k.used);
    const fresh: StoredKey[] = [];
    for (let i = waiting.length; i < count; i++) {
      const seed = this.d.randomBytes(32);
      fresh.push({
        seed: toHex(seed),
        did: didFromPublicKey(publicKeyFromSeed(seed)),
        cert: null,
        used: false,
      });
    }
    const all = [...keys, ...fresh];
    await this.putKeys(all);
    const trips = all.filter((k) => !k.cert && !k.used).map((k) => k.did);
    return { request: requestPrefix + toHex(encode({ v: 1, trips })), keys: trips.length };
  }

  private decodeCode<T>(code: unknown, prefix: string, what: string): T {
    if (
      typeof code !== 'string' ||
      !code.startsWith(prefix) ||
      !/^[0-9a-f]+$/.test(code.slice(prefix.length))
    )
      throw botError('BAD_REQUEST', `That is not ${what} (it starts with "${prefix}").`);
    let value: unknown;
    try {
      value = decode<T>(fromHex(code.slice(prefix.length)), 64 * 1024);
    } catch {
      value = null;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw botError('BAD_REQUEST', `That ${what} is damaged; copy it again.`);
    return value as T;
  }

  async itsCertify(
    request: string,
    vehicle: string,
  ): Promise<{ certificates: string; trips: number }> {
    if (
      typeof vehicle !== 'string' ||
      vehicle.trim().length === 0 ||
      vehicle.length > itsVehicleNameLengthMax
    )
      throw botError(
        'BAD_REQUEST',
        `itsCertify: the vehicle's name is 1 to ${itsVehicleNameLengthMax} characters.`,
      );
    const decoded = this.decodeCode<{ trips?: unknown }>(
      request,
      requestPrefix,
      'a trip key request',
    );
    const trips = decoded.trips;
    if (
      !Array.isArray(trips) ||
      trips.length === 0 ||
      trips.length > itsTripKeysMax ||
      trips.some((t) => typeof t !== 'string' || !t.startsWith('did:key:z'))
    )
      throw botError('BAD_REQUEST', `A trip key request lists 1 to ${itsTripKeysMax} did:key.`);
    const chain = this.d.durable();
    const settings = itsSettingsOf(chain.genesis, (name) => chain.governance?.policies.get(name));
    if (!settings.providers.includes(this.d.self()))
      throw botError(
        'UNAUTHORIZED',
        `This peer is not an ITS provider of chain ${chain.genesis.name}; only providers certify trips.`,
      );
    // Valid a little less than the longest the chain takes, measured from now.
    const expires = Math.floor(this.d.now()) + itsCertificateLifetimeMaxMs - 60 * 60 * 1000;
    const certs = (trips as string[]).map((trip) =>
      signTripCertificate(chain.chainId, this.d.self(), this.d.seed(), trip, expires),
    );
    const vehicles = (await this.d.storage.getMeta<Record<string, string[]>>(vehiclesMeta)) ?? {};
    const name = vehicle.trim();
    // The newest itsVehicleTripsKept: what its.revoke can name (older certificates have expired).
    vehicles[name] = [...new Set([...(vehicles[name] ?? []), ...(trips as string[])])].slice(
      -itsVehicleTripsKept,
    );
    await this.d.storage.putMeta(vehiclesMeta, vehicles);
    return {
      certificates: certificatesPrefix + toHex(encode({ v: 1, chain: chain.chainId, certs })),
      trips: certs.length,
    };
  }

  async itsAddCertificates(certificates: string): Promise<{ certified: number }> {
    const decoded = this.decodeCode<{ chain?: unknown; certs?: unknown }>(
      certificates,
      certificatesPrefix,
      'a certificate code',
    );
    const chain = this.ledger();
    if (decoded.chain !== chain.chainId)
      throw botError(
        'WRONG_CHAIN',
        `These certificates are for chain ${String(decoded.chain).slice(0, 12)}, not the active chain ${chain.genesis.name}.`,
      );
    if (!Array.isArray(decoded.certs))
      throw botError('BAD_REQUEST', 'That certificate code holds no certificates.');
    const keys = await this.keys();
    let certified = 0;
    for (const raw of decoded.certs) {
      let cert: TripCertificate;
      try {
        cert = checkCertificateShape(raw);
      } catch (error) {
        throw botError('BAD_CERTIFICATE', (error as BotError).message);
      }
      if (!certificateSignatureHolds(chain.chainId, cert))
        throw botError(
          'BAD_CERTIFICATE',
          'A certificate’s signature does not hold: ask your provider for new ones.',
        );
      const key = keys.find((k) => k.did === cert.trip);
      if (!key) continue; // for another vehicle's keys
      key.cert = {
        provider: cert.provider,
        expires: cert.expires,
        sig: toHex(cert.sig),
        chain: chain.chainId,
      };
      certified++;
    }
    if (certified === 0)
      throw botError(
        'NOT_FOUND',
        'None of these certificates is for a trip key of this peer; certify this peer’s own request.',
      );
    await this.putKeys(keys);
    return { certified };
  }

  async itsRevoke(vehicle: string): Promise<{ txId: string; trips: number }> {
    const vehicles = (await this.d.storage.getMeta<Record<string, string[]>>(vehiclesMeta)) ?? {};
    const trips = typeof vehicle === 'string' ? vehicles[vehicle.trim()] : undefined;
    if (!trips?.length)
      throw botError(
        'NOT_FOUND',
        `itsRevoke: this provider certified no vehicle named "${String(vehicle)}".`,
      );
    const { txId } = await this.d.submit({ type: 'its.revoke', body: { trips: trips.slice(-64) } });
    return { txId, trips: Math.min(trips.length, 64) };
  }

  async itsSettle(): Promise<{
    settled: Array<{ segment: string; window: number; txId: string }>;
  }> {
    const chain = this.d.durable();
    const its = chain.its ?? emptyIts(chain.genesis);
    const settings = itsSettingsOf(chain.genesis, (name) => chain.governance?.policies.get(name));
    const settled: Array<{ segment: string; window: number; txId: string }> = [];
    for (const win of dueWindows(its, settings, chain.headTime, itsSettlePerCallMax)) {
      const { txId } = await this.d.submit({
        type: 'its.settle',
        body: { segment: win.segment, window: win.window },
      });
      settled.push({ segment: win.segment, window: win.window, txId });
    }
    return { settled };
  }

  // ---- the trip ----

  private async state(): Promise<DriveState> {
    if (this.drive) return this.drive;
    const { drive, saved } = await this.driveStore.load();
    // Saved before trip records: one per used key (so the reward sums every one of them).
    if (saved && !saved.trips) {
      const used = (await this.keys()).filter((k) => k.used).map((k) => k.did);
      drive.trips = tripsFromUsed(used, drive.trip, this.d.now());
      drive.used = used;
    }
    this.drive ??= drive;
    return this.drive;
  }

  /** Saves the drive record, and the parts named as changed (its-drive-store.ts). */
  private async save(parts: readonly DrivePart[] = []): Promise<void> {
    if (this.drive) await this.driveStore.save(this.drive, parts);
  }

  async itsStartTrip(): Promise<ItsDriveView> {
    const drive = await this.state();
    if (drive.trip) return this.itsDrive();
    await this.pruneTrips();
    const keys = await this.keys();
    const chain = this.ledger();
    const now = this.d.now();
    const key = keys.find(
      (k) => !k.used && k.cert && k.cert.chain === chain.chainId && k.cert.expires > now,
    );
    if (!key)
      throw botError(
        'NOT_READY',
        'No certified trip key is left: make trip keys and have your ITS provider certify them (Drive page, "Trip keys").',
      );
    key.used = true;
    await this.putKeys(keys);
    drive.trip = key.did;
    drive.nonce = 0;
    drive.pending = null;
    drive.last = null;
    drive.speedKmh = null;
    drive.used = [...drive.used, key.did];
    const { windowMs } = itsSettingsOf(chain.genesis, () => undefined);
    drive.trips = [
      ...(drive.trips ?? []),
      {
        did: key.did,
        stopped: false,
        observations: 0,
        lastWindowEnd: (Math.floor(now / windowMs) + 1) * windowMs,
      },
    ];
    drive.lastError = null;
    await this.save();
    return this.itsDrive();
  }

  async itsStopTrip(): Promise<ItsDriveView> {
    const drive = await this.state();
    if (drive.trip && drive.pending) await this.seal(drive);
    const trip = drive.trips?.find((t) => t.did === drive.trip);
    if (trip) trip.stopped = true;
    drive.trip = null;
    drive.pending = null;
    drive.last = null;
    drive.speedKmh = null;
    await this.save();
    void this.flush();
    await this.pruneTrips();
    return this.itsDrive();
  }

  /**
   * Drops the finished trips past the itsTripsKept newest (its-trips.ts), and certified keys never
   * used whose certificates expired: keys and seeds first, then the drive state with their reward
   * (a crash between leaves the trips listed, dropped again at the next pruning, counted once).
   */
  private async pruneTrips(): Promise<void> {
    const drive = await this.state();
    const now = this.d.now();
    const { dropped, reward } = await finishedTripsToDrop(
      drive.trips ?? [],
      drive.queue,
      drive.sent,
      this.ledger(),
      now,
    );
    const gone = new Set(dropped);
    const keys = await this.keys();
    const kept = keys.filter(
      (k) => !gone.has(k.did) && (k.used || !k.cert || k.cert.expires > now),
    );
    if (kept.length !== keys.length) await this.putKeys(kept);
    if (gone.size === 0) return;
    drive.rewardEarlier = (drive.rewardEarlier ?? 0) + reward;
    drive.trips = (drive.trips ?? []).filter((t) => !gone.has(t.did));
    drive.used = drive.used.filter((did) => !gone.has(did));
    await this.save();
  }

  async itsReport(report: ItsReport): Promise<ItsDriveView> {
    if (typeof report !== 'object' || report === null)
      throw botError('BAD_REQUEST', 'itsReport takes { lat, lon, speedKmh?, ... }.');
    const lat = finiteIn(report.lat, 'lat', -90, 90);
    const lon = finiteIn(report.lon, 'lon', -180, 180);
    const given =
      report.speedKmh === undefined ? null : finiteIn(report.speedKmh, 'speedKmh', 0, 300);
    if (report.humidityPct !== undefined)
      this.humidityPct = finiteIn(report.humidityPct, 'humidityPct', -1000, 1000);
    if (report.temperatureC !== undefined)
      this.temperatureC = finiteIn(report.temperatureC, 'temperatureC', -1000, 1000);
    const rpm = report.rpm === undefined ? null : finiteIn(report.rpm, 'rpm', 0, itsEngineRpmMax);
    const drive = await this.state();
    if (!drive.trip) throw botError('NOT_READY', 'No trip is running: tap Start trip first.');
    const time = Math.floor(this.d.now());
    const accuracy =
      report.accuracyM === undefined ? 0 : finiteIn(report.accuracyM, 'accuracyM', 0, 1e6);
    let speed = given;
    if (speed === null && drive.last && time > drive.last.time) {
      const a = demoTownNetwork;
      const dy = (lat - drive.last.lat) * 111_320;
      const dx = (lon - drive.last.lon) * 111_320 * Math.cos((a.origin.lat * Math.PI) / 180);
      speed = (Math.hypot(dx, dy) / ((time - drive.last.time) / 1000)) * 3.6;
    }
    drive.last = { lat, lon, time };
    drive.speedKmh = speed === null ? drive.speedKmh : Math.min(300, speed);
    const match =
      accuracy <= itsAccuracyMaxM
        ? matchPosition(demoTownNetwork, lat, lon, undefined, drive.pending?.segment ?? null)
        : null;
    const settings = itsSettingsOf(this.ledger().genesis, () => undefined);
    const window = Math.floor(time / settings.windowMs);
    if (
      drive.pending &&
      (!match || match.segment.id !== drive.pending.segment || window !== drive.pending.window)
    )
      await this.seal(drive);
    if (match) {
      const p = (drive.pending ??= {
        segment: match.segment.id,
        window,
        speedSum: 0,
        speedCount: 0,
        humidity: null,
        temperature: null,
        time,
      });
      if (speed !== null) {
        p.speedSum += Math.min(300, speed);
        p.speedCount += 1;
      }
      if (rpm !== null) {
        p.rpmSum = (p.rpmSum ?? 0) + rpm;
        p.rpmCount = (p.rpmCount ?? 0) + 1;
      }
      if (this.humidityPct !== null) p.humidity = this.humidityPct;
      if (this.temperatureC !== null) p.temperature = this.temperatureC;
      p.time = time;
    }
    // Saved before it goes out: a sealed observation is never only in memory while in flight (a
    // crash then would lose a reading the driver was told was taken). Starting the flush first
    // saved a few ms of the map's update time (issue 20), not worth that window.
    await this.save();
    void this.flush();
    return this.itsDrive();
  }

  /** The pending segment's observation: signed with the trip key, into the queue. */
  private async seal(drive: DriveState): Promise<void> {
    const p = drive.pending;
    drive.pending = null;
    if (!p || !drive.trip || p.speedCount === 0) return;
    const keys = await this.keys();
    const key = keys.find((k) => k.did === drive.trip);
    if (!key?.cert) return;
    const segment = demoTownNetwork.segmentById.get(p.segment)!;
    const speedKmh = Math.max(0, Math.min(300, Math.round(p.speedSum / p.speedCount)));
    const body: Record<string, unknown> = {
      // Always carried: admission judges the state before the block, where a new trip is unknown.
      cert: {
        provider: key.cert.provider,
        trip: key.did,
        expires: key.cert.expires,
        sig: fromHex(key.cert.sig),
      },
      segment: p.segment,
      speedKmh,
      congestion: congestionOf(speedKmh, segment.limitKmh),
    };
    if (p.humidity !== null) body.humidityPct = Math.round(p.humidity);
    if (p.temperature !== null) body.temperatureC = Math.round(p.temperature);
    // The engine's mean rpm over the segment, when an OBD-II adapter gave one.
    const rpm = p.rpmCount
      ? Math.min(itsEngineRpmMax, Math.round((p.rpmSum ?? 0) / p.rpmCount))
      : undefined;
    if (rpm !== undefined) body.rpm = rpm;
    // One at a time: nonces reach the queue in order while signatures are awaited.
    const queued = this.signing.then(() =>
      this.signAndQueue(drive, key, { ...p, speedKmh, rpm }, body),
    );
    this.signing = queued.catch(() => undefined);
    await queued;
  }

  /** The trip key's signer (WebCrypto where the runtime has Ed25519), made once per trip. */
  private signerOf(key: StoredKey): Promise<Signer> {
    if (this.tripSigner?.did !== key.did) {
      const signer = createSigner(fromHex(key.seed));
      this.tripSigner = { did: key.did, signer };
      signer.catch(() => {
        if (this.tripSigner?.signer === signer) this.tripSigner = null;
      });
    }
    return this.tripSigner!.signer;
  }

  /** Signs the observation with the trip key (the next nonce) and queues it. */
  private async signAndQueue(
    drive: DriveState,
    key: StoredKey,
    p: Pending & { speedKmh: number; rpm: number | undefined },
    body: Record<string, unknown>,
  ): Promise<void> {
    const { speedKmh, rpm } = p;
    if (drive.queue.length >= itsQueueMax) {
      drive.lastError = `The offline queue is full (${itsQueueMax} observations, itsQueueMax); newer ones are dropped until the network returns.`;
      return;
    }
    const signer = await this.signerOf(key);
    const draft = checkTx({
      chain: key.cert!.chain,
      type: 'its.observe',
      from: key.did,
      nonce: drive.nonce + 1,
      time: p.time,
      body,
      sig: new Uint8Array(64),
    });
    const tx = withSignature(draft, await signer.sign(txSigningBytes(draft)));
    drive.nonce += 1;
    const trip = drive.trips?.find((t) => t.did === key.did);
    if (trip) {
      const { windowMs } = itsSettingsOf(this.ledger().genesis, () => undefined);
      trip.observations += trip.observations < 0 ? 0 : 1;
      trip.lastWindowEnd = Math.max(trip.lastWindowEnd, (p.window + 1) * windowMs);
    }
    const hex = toHex(encodeTx(tx));
    drive.queue.push(hex);
    this.driveStore.mark('queue', 'sent');
    // Signed just now in memory: handed over without a second verification (a storage round
    // trip could change it, so only this run's own seals; bounded with the queue).
    if (this.sealedHere.size >= itsQueueMax) this.sealedHere.clear();
    this.sealedHere.add(hex);
    drive.sent = [
      {
        txId: txIdOf(tx),
        segment: p.segment,
        speedKmh,
        ...(rpm !== undefined ? { rpm } : {}),
        trip: key.did,
        window: p.window,
      },
      ...drive.sent,
    ].slice(0, itsSentKept);
  }

  /** Hand the queue over while online, in order; a refusal drops that observation (shown). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const drive = await this.state();
    while (drive.queue.length > 0 && this.d.online()) {
      const hex = drive.queue[0]!;
      const tx = decodeTx(fromHex(hex));
      try {
        await this.d.admit(tx, this.sealedHere.delete(hex));
        drive.lastError = null;
      } catch (error) {
        const code = error instanceof BotError ? error.code : 'INTERNAL';
        if (code === 'NOT_READY' || code === 'MEMPOOL_FULL' || code === 'TIMEOUT') break;
        drive.lastError = `An observation was refused: ${(error as Error).message}`;
      }
      drive.queue.shift();
      await this.save(['queue']);
    }
    this.schedule(drive);
  }

  private schedule(drive: DriveState): void {
    if (this.timer || drive.queue.length === 0) return;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, itsFlushIntervalMs);
  }

  async itsDrive(): Promise<ItsDriveView> {
    const drive = await this.state();
    const keys = await this.keys();
    const chain = this.ledger();
    const now = this.d.now();
    const queued = new Set(drive.queue.map((hex) => txIdOf(decodeTx(fromHex(hex)))));
    const recent: ItsSentView[] = [];
    for (const { txId, segment, speedKmh, rpm } of drive.sent.slice(0, itsRecentShown)) {
      const verdict = queued.has(txId)
        ? { status: 'pending' as const, reason: null }
        : await this.verdictOf(chain, txId);
      recent.push({ txId, segment, speedKmh, rpm: rpm ?? null, ...verdict });
    }
    const segment = drive.pending
      ? demoTownNetwork.segmentById.get(drive.pending.segment)
      : undefined;
    return {
      active: drive.trip !== null,
      trip: drive.trip,
      certificatesLeft: keys.filter(
        (k) => !k.used && k.cert && k.cert.chain === chain.chainId && k.cert.expires > now,
      ).length,
      uncertified: keys.filter((k) => !k.used && !k.cert).length,
      provider: keys.findLast((k) => k.cert?.chain === chain.chainId)?.cert?.provider ?? null,
      segment: segment ? { id: segment.id, name: segment.name, limitKmh: segment.limitKmh } : null,
      speedKmh: drive.speedKmh === null ? null : Math.round(drive.speedKmh),
      humidityPct: this.humidityPct,
      temperatureC: this.temperatureC,
      sent: Math.max(0, drive.sent.length - queued.size),
      queued: drive.queue.length,
      online: this.d.online(),
      recent,
      reward: (await Promise.all(drive.used.map((did) => chain.balance(did)))).reduce(
        (sum, amount) => sum + amount,
        drive.rewardEarlier ?? 0,
      ),
      symbol: chain.genesis.tokens?.symbol ?? null,
      lastError: drive.lastError,
    };
  }

  /** A full peer's vehicle reads: its durable state, entries from storage. */
  private ledger(): ItsVehicleLedger {
    if (this.d.vehicleLedger) return this.d.vehicleLedger();
    const chain = this.d.durable();
    const tokens = chain.tokens ?? emptyTokens(chain.genesis);
    return {
      chainId: chain.chainId,
      genesis: chain.genesis,
      entry: async (key) =>
        chain.trie.get(key) ? this.d.storage.getState(chain.chainId, key) : undefined,
      balance: async (did) => balanceOf(tokens, did),
    };
  }

  /** Verdicts that no longer change (everything but pending), by transaction id. */
  private readonly verdicts = new Map<string, Pick<ItsSentView, 'status' | 'reason'>>();

  /** An observation's verdict: its record, or its failure record, else still pending. */
  private async verdictOf(
    chain: ItsVehicleLedger,
    txId: string,
  ): Promise<Pick<ItsSentView, 'status' | 'reason'>> {
    const known = this.verdicts.get(txId);
    if (known) return known;
    let verdict: Pick<ItsSentView, 'status' | 'reason'> = { status: 'pending', reason: null };
    const bytes = await chain.entry(itsObservationPrefix + txId);
    if (bytes) {
      const record = decodeObservation(bytes);
      verdict = { status: record.status, reason: record.reason };
    } else {
      // In a block but failed in execution (no trust contract deployed, a revoked trip...):
      // shown with its code, not left pending for ever.
      const failure = await chain.entry(failurePrefix + txId);
      if (failure) verdict = { status: 'failed', reason: decodeTxFailure(failure).code };
    }
    if (verdict.status !== 'pending') {
      if (this.verdicts.size >= itsSentKept) this.verdicts.clear();
      this.verdicts.set(txId, verdict);
    }
    return verdict;
  }

  /** Stop the flush timer (the peer closes). */
  close(): void {
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
