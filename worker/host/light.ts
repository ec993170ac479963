// A light peer's follower (issues 19 and 20): it holds no ledger and replays no block. It
// follows the headers and commit certificates of a chain from full peers, checked by the core's
// light client (worker/core/lightclient: quorum certificates, validator-set changes proven from
// each header's state root), keeps only a bounded set of headers (the recent ones and
// checkpoints), and reads the state it needs from a full peer with a Merkle proof checked against
// a header it verified. A full peer it follows is a LightSource: the header updates it keeps
// (xchain.ts LightUpdateLog) and its proven reads (reads.ts `get`).
import { encode } from '../core/codec';
import { equalBytes } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { decodeBlock } from '../core/block';
import { BotError, botError } from '../core/errors';
import {
  advanceMany,
  lightClientCheckpointsKeptMax,
  lightClientHeadersKeptMax,
  lightClientUpdatesMax,
  verifyAbsentRead,
  verifyRead,
  type HeaderUpdate,
  type LightClientState,
} from '../core/lightclient';
import { dataPrefix, decodeDataEntry, sealedWrapPrefix } from '../core/modules/data';
import { accountPrefix, decodeTxFailure, failurePrefix } from '../core/ledger';
import { tokenAccountPrefix } from '../core/modules/tokens/types';
import { itsObservationPrefix, itsSegmentPrefix } from '../core/modules/its/types';
import { contractStatePrefix } from '../core/modules/contracts/types';
import { merklePath, verifyMerklePath } from '../core/merkle';
import { decodeTx, encodeTx, txIdOf, txLeafOf as txLeaf, type Tx } from '../core/tx';
import { headerAt, lightBlockHash } from '../core/lightclient';
import { readRoleOf, rolePrefix, type RightsState } from '../core/modules/governance';
import { keyPrefix as readerKeyPrefix } from '../core/modules/datasets/state';
import * as limits from '../core/limits';
import type { ChainState } from '../core/ledger';
import type { Storage } from '../store/storage';
import type { NetStartOptions, PeerNet } from '../net/types';
import { realClock, type Clock } from '../net/clock';
import {
  decodeWire,
  encodeWire,
  type LightAbsence,
  type LightProof,
  type TxInclusion,
  type WireMessage,
} from './wire';
import type { LightUpdateLog } from './xchain';
import type { TxResult } from '../api';
import type { InviteToken } from '../core/modules/governance';

/** Full peers (or answers of one source) a light peer asks for a proof before it gives up. */
export const lightProofTriesMax = 3;
/** Header updates asked of a full peer per pass of follow(). */
export const lightFollowPassesMax = 1024;
/** Bytes one kept header may take in a light peer's store (height, hash, state root, time). */
const keptHeaderBytesMax = 96;
/** Bytes of the validator set a light peer keeps (limits.validatorCountMax entries of ~80 B). */
const validatorSetBytesMax = 128 * 80;
/**
 * What a light peer stores of a chain, at most, however long the chain: the kept headers and
 * checkpoints and the validator set in force (with a little for the chain id and framing).
 */
export const lightPeerStoredBytesMax =
  (lightClientHeadersKeptMax + lightClientCheckpointsKeptMax) * keptHeaderBytesMax +
  validatorSetBytesMax +
  256;

/** What a light peer asks of a full peer. */
export interface LightSource {
  /** The source's newest durable height. */
  head(): Promise<number>;
  /** Header updates of heights from..from+count-1, as far as the source holds them, in order. */
  updates(from: number, count: number): Promise<HeaderUpdate[]>;
  /**
   * The data entry of `key` (raw: the state entry of a whole state key, lightStateKeyAllowed)
   * with its Merkle proof at the source's durable height, or the key's proof of absence there
   * (null: the source gave neither, which the light peer does not take as absent).
   */
  prove(key: string, raw?: boolean): Promise<LightProof | LightAbsence | null>;
  /** Where transaction `txId` is in a certified block, with its audit path (null: in none yet). */
  include(txId: string): Promise<TxInclusion | null>;
}

/**
 * Whole state keys a full peer proves to a light peer beside data keys: an account's nonce, a
 * token balance, a transaction's failure record, a road segment's condition, an ITS
 * observation's verdict (a light phone's own, reported as a vehicle), an ITS provider's
 * trust record (issue 20), a wrap of a sealed value added by a share (issue 15: the light
 * peer's own, sealwrap/<did>/<key>), and, so that a light peer holding a read role publishes
 * its X25519 key once (light-reader-key.ts), a read role's holders (gov/role/read:<prefix>) and
 * an identity's published X25519 key (ds/key/<did>). Anything else is BAD_REQUEST.
 */
export function lightStateKeyAllowed(key: string): boolean {
  return (
    [
      accountPrefix,
      tokenAccountPrefix,
      failurePrefix,
      itsSegmentPrefix,
      itsObservationPrefix,
      sealedWrapPrefix,
      `${rolePrefix}read:`,
      readerKeyPrefix,
    ].some((p) => key.startsWith(p)) ||
    // a provider's trust record in the ITS trust contract (its-reads.ts providerTrustKey)
    (key.startsWith(contractStatePrefix) &&
      /^[^/]+\/p\/did:key:z/.test(key.slice(contractStatePrefix.length)))
  );
}

/** What a full peer serves light peers from: its durable state, blocks and light-client material. */
export interface LightServing {
  durable(): ChainState;
  storage: Storage;
  updates: LightUpdateLog;
}

/** Header updates of from..from+count-1 that `end` holds, in order (stops at the first gap). */
async function updatesOf(end: LightServing, from: number, count: number): Promise<HeaderUpdate[]> {
  const state = end.durable();
  const out: HeaderUpdate[] = [];
  for (let height = Math.max(from, 1); height < from + count && height <= state.height; height++) {
    const update = await end.updates.update(end.storage, state.chainId, height);
    if (!update) break;
    out.push(update);
  }
  return out;
}

/** Where `txId` is in a certified block `end` made durable, with its audit path (null: none). */
async function inclusionOf(end: LightServing, txId: string): Promise<TxInclusion | null> {
  const state = end.durable();
  const at = await end.storage.txLocation(txId);
  if (!at || at.chainId !== state.chainId || at.height > state.height) return null;
  const bytes = await end.storage.getBlock(state.chainId, at.height);
  if (!bytes) return null;
  const block = decodeBlock(bytes);
  const tx = block.txs[at.index];
  if (!block.cert || !tx || txIdOf(tx) !== txId) return null;
  const leaves = block.txs.map(txLeaf);
  return {
    header: block.header,
    tx: encodeTx(tx),
    index: at.index,
    size: leaves.length,
    path: merklePath(leaves, at.index),
  };
}

/**
 * The entry of data key `key` (raw: of state key `key`) and its proof at `end`'s durable
 * height, or the proof that the key is absent there.
 */
async function proofOf(
  end: LightServing,
  key: string,
  raw = false,
): Promise<LightProof | LightAbsence> {
  if (raw && !lightStateKeyAllowed(key))
    throw botError(
      'BAD_REQUEST',
      `A light peer is proven data keys, accounts, balances, failure records, road segments, ITS trust records, read roles and X25519 keys, not ${key.slice(0, 64)}.`,
    );
  const stateKey = raw ? key : dataPrefix + key;
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = end.durable();
    const leaf = state.trie.get(stateKey);
    if (!leaf) {
      const absence = state.trie.proveAbsence(stateKey);
      if (absence) return { key: stateKey, height: state.height, ...absence };
      continue;
    }
    const entry = await end.storage.getState(state.chainId, stateKey);
    // a block made durable while the entry was read: read again against the newer state
    if (!entry || !equalBytes(sha256(entry), leaf)) continue;
    const proof = state.trie.prove(stateKey);
    if (!proof) continue;
    return { key: stateKey, height: state.height, entry, siblings: proof.siblings };
  }
  throw botError('NOT_READY', 'The chain moved while the entry was read; ask again.');
}

/** A proof of a key's entry, not of its absence. */
export function isPresent(proof: LightProof | LightAbsence): proof is LightProof {
  return 'entry' in proof;
}

/** A full peer in this process as a light source. */
export function endpointLightSource(end: LightServing): LightSource {
  return {
    head: async () => end.durable().height,
    updates: (from, count) => updatesOf(end, from, count),
    prove: (key, raw) => proofOf(end, key, raw),
    include: (txId) => inclusionOf(end, txId),
  };
}

type LightData = Extract<WireMessage, { kind: 'lightData' }>;

/** The read roles `did` holds in `rights` (sorted, at most lightReadRolesListedMax). */
export function readRolesHeldBy(rights: RightsState | undefined, did: string): string[] {
  const held: string[] = [];
  for (const [role, dids] of rights?.roles ?? [])
    if (role.startsWith('read:') && dids.includes(did)) held.push(role);
  return held.sort().slice(0, limits.lightReadRolesListedMax);
}

/**
 * A full peer's answer to a light peer's lightGet (sent only to peers that read the chain's
 * payload: read-rights.ts). A key under a read:<prefix> role is proven only to a holder of it.
 */
export async function lightAnswer(
  end: LightServing,
  asker: string,
  message: Extract<WireMessage, { kind: 'lightGet' }>,
): Promise<LightData> {
  const answer = { kind: 'lightData' as const, id: message.id, head: end.durable().height };
  try {
    if (message.key !== null && !message.raw) {
      const role = readRoleOf(end.durable().governance, message.key);
      if (role && !role.dids.includes(asker))
        throw botError('UNAUTHORIZED', `${asker} does not hold the role ${role.role}.`);
    }
    const updates = await updatesOf(end, message.from, message.count);
    const proven = message.key === null ? null : await proofOf(end, message.key, message.raw);
    const inclusion = message.tx ? await inclusionOf(end, message.tx) : null;
    const proof = proven && isPresent(proven) ? proven : null;
    const absence = proven && !isPresent(proven) ? proven : null;
    const readRoles = readRolesHeldBy(end.durable().governance, asker);
    return { ...answer, updates, proof, absence, inclusion, readRoles, error: null };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const code = String(e.code ?? 'INTERNAL').slice(0, 32);
    return {
      ...answer,
      updates: [],
      proof: null,
      error: { code, message: String(e.message).slice(0, 500) },
    };
  }
}

/** How long a light peer waits for a full peer's answer before asking another one. */
export const lightRequestTimeoutMs = 5_000;
/**
 * A neighbour that let a request time out is asked only after every other neighbour for this
 * long (it may be busy, gone, or not serve at all): each of its turns cost the reader
 * lightRequestTimeoutMs, and a light peer's map reads one segment after another.
 */
export const lightSilentNeighbourMs = 60_000;

/**
 * Full peers on the network as a light source: the light peer meets them in the chain's room
 * (net.start with the chain id) and asks its neighbours in turn, the next one when one does not
 * answer in lightRequestTimeoutMs or refuses; one that did not answer goes to the back of the
 * turn for lightSilentNeighbourMs. Another light peer asked by mistake refuses at once (it holds
 * no blocks to prove from) rather than letting the asker wait.
 */
export class NetLightSource implements LightSource {
  private neighbours: string[] = [];
  private nextId = 1;
  private turn = 0;
  private readonly pending = new Map<number, (answer: LightData | null) => void>();
  /** Neighbours that let a request time out, and until when they are asked last. */
  private readonly silentUntil = new Map<string, number>();
  /** The read roles the last answer that named any said this identity holds (a hint). */
  private heldReadRoles: readonly string[] = [];

  constructor(
    private readonly net: PeerNet,
    options: Omit<NetStartOptions, 'validators' | 'relays' | 'iceServers'> &
      Partial<Pick<NetStartOptions, 'relays' | 'iceServers'>>,
    private readonly clock: Clock = realClock,
  ) {
    net.start(
      { relays: [], iceServers: [], ...options, validators: [] },
      {
        onMessage: (from, bytes) => this.onMessage(from, bytes),
        onNeighbours: (dids) => {
          this.neighbours = [...dids];
          for (const did of this.silentUntil.keys())
            if (!dids.includes(did)) this.silentUntil.delete(did);
        },
      },
    );
  }

  /** The full peers linked now. */
  get linked(): readonly string[] {
    return this.neighbours;
  }

  /**
   * The read roles the last full peer that answered said this identity holds (unproven: the
   * light peer proves one before it acts on it; an older full peer names none).
   */
  get readRoles(): readonly string[] {
    return this.heldReadRoles;
  }

  /**
   * Ask the linked peers to admit this light peer as a member (consortium and private chains
   * serve their payload, proofs included, to members only), quoting the invite's token.
   */
  askAdmission(invite: InviteToken | null): void {
    const request = encodeWire({ kind: 'join', invite });
    for (const did of this.neighbours) this.net.send(did, request);
  }

  stop(): void {
    this.net.stop();
    for (const settle of this.pending.values()) settle(null);
    this.pending.clear();
  }

  private onMessage(from: string, bytes: Uint8Array): void {
    let message: WireMessage;
    try {
      message = decodeWire(bytes);
    } catch (error) {
      this.net.drop(from, `sent a malformed message (${(error as Error).message})`);
      return;
    }
    if (message.kind === 'lightGet') {
      // a light peer has no blocks to prove from: say so now, so the asker tries a full peer
      this.net.send(
        from,
        encodeWire({
          kind: 'lightData',
          id: message.id,
          head: 0,
          updates: [],
          proof: null,
          error: {
            code: 'NOT_READY',
            message: 'This is a light peer: it serves no headers or proofs. Ask a full peer.',
          },
        }),
      );
      return;
    }
    if (message.kind !== 'lightData') return;
    const settle = this.pending.get(message.id);
    if (!settle) return;
    this.pending.delete(message.id);
    settle(message);
  }

  private send(to: string, request: Omit<Extract<WireMessage, { kind: 'lightGet' }>, 'id'>) {
    const id = this.nextId++;
    return new Promise<LightData | null>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        resolve(null);
      }, lightRequestTimeoutMs);
      this.pending.set(id, (a) => {
        this.clock.clearTimeout(timer);
        resolve(a);
      });
      if (!this.net.send(to, encodeWire({ ...request, id }))) {
        this.pending.delete(id);
        this.clock.clearTimeout(timer);
        resolve(null);
      }
    });
  }

  /** Hand a signed transaction to every linked full peer (they check it and gossip it on). */
  submit(tx: Tx): number {
    const bytes = encodeWire({ kind: 'consensus', message: { type: 'tx', tx } });
    let sent = 0;
    for (const did of this.neighbours) if (this.net.send(did, bytes)) sent++;
    return sent;
  }

  private async ask(
    from: number,
    count: number,
    key: string | null,
    raw = false,
    tx: string | null = null,
  ): Promise<LightData> {
    let last = 'no full peer is linked';
    const start = this.turn++;
    const turn = this.neighbours.map(
      (_, i) => this.neighbours[(start + i) % this.neighbours.length]!,
    );
    const now = this.clock.now();
    const silent = (did: string) => (this.silentUntil.get(did) ?? 0) > now;
    for (const to of [...turn.filter((d) => !silent(d)), ...turn.filter(silent)]) {
      const answer = await this.send(to, { kind: 'lightGet', from, count, key, raw, tx });
      if (answer) this.silentUntil.delete(to);
      else this.silentUntil.set(to, this.clock.now() + lightSilentNeighbourMs);
      if (answer && !answer.error) {
        if (answer.readRoles) this.heldReadRoles = answer.readRoles;
        return answer;
      }
      if (answer?.error?.code === 'UNAUTHORIZED')
        throw botError('UNAUTHORIZED', answer.error.message);
      last = answer?.error ? `${to}: ${answer.error.message}` : `${to} did not answer`;
    }
    throw botError('TIMEOUT', `No full peer answered the light request (${last}).`);
  }

  async head(): Promise<number> {
    return (await this.ask(1, 0, null)).head;
  }

  async updates(from: number, count: number): Promise<HeaderUpdate[]> {
    return (await this.ask(from, count, null)).updates as HeaderUpdate[];
  }

  async prove(key: string, raw = false): Promise<LightProof | LightAbsence | null> {
    const answer = await this.ask(1, 0, key, raw);
    return answer.proof ?? answer.absence ?? null;
  }

  async include(txId: string): Promise<TxInclusion | null> {
    return (await this.ask(1, 0, null, false, txId)).inclusion ?? null;
  }
}

/** A value read by a light peer, checked against the header it verified at `height`. */
export interface LightRead {
  value: unknown;
  deleted: boolean;
  /** The verified height the proof was checked against. */
  height: number;
  /** The proof it was checked with. */
  proof: LightProof;
}

export class LightFollower {
  constructor(
    private client: LightClientState,
    private readonly source: LightSource,
  ) {}

  get state(): LightClientState {
    return this.client;
  }

  get height(): number {
    return this.client.height;
  }

  /** Bytes this light peer stores of the chain (its light-client state, encoded). */
  storedBytes(): number {
    return encode(this.client).length;
  }

  /**
   * Follow the source to its head (or lightFollowPassesMax batches). A refused batch (forged
   * certificate, tampered validator set, another chain) leaves the state as it was and throws
   * the light client's typed error.
   */
  follow(): Promise<number> {
    // One follow at a time: two at once would each ask for the headers after the same height,
    // and the second's would no longer be the next ones (reads at every block, a page's and a
    // poll's, overlap on a phone).
    const run = this.following.then(() => this.followNow());
    this.following = run.catch(() => undefined);
    return run;
  }

  private following: Promise<unknown> = Promise.resolve();

  private async followNow(): Promise<number> {
    for (let pass = 0; pass < lightFollowPassesMax; pass++) {
      const head = await this.source.head();
      if (head <= this.client.height) break;
      const updates = await this.source.updates(this.client.height + 1, lightClientUpdatesMax);
      if (updates.length === 0) break;
      this.apply(updates);
    }
    return this.client.height;
  }

  /** Check and take header updates (all or nothing). */
  apply(updates: HeaderUpdate[]): void {
    this.client = advanceMany(this.client, updates);
  }

  /**
   * Read a data key from the source, checked with its Merkle proof against the header this
   * peer verified at the proof's height (following first if the source is ahead). null only
   * when the source proves the key absent. Typed errors: TAMPERED (the value or proof does not
   * match the certified state root, or the source says absent without a proof of absence),
   * NOT_FOUND.
   */
  async get(key: string): Promise<LightRead | null> {
    const read = await this.proven(dataPrefix + key, key, false);
    if (!isPresent(read)) return null;
    const decoded = decodeDataEntry(read.entry);
    return { value: decoded.value, deleted: decoded.deleted, height: read.height, proof: read };
  }

  /**
   * Read a whole state key (lightStateKeyAllowed) with its proof, checked like get(): the entry
   * bytes and the proof it was checked with, or null when the source proves it absent.
   */
  async getState(stateKey: string): Promise<{ entry: Uint8Array; proof: LightProof } | null> {
    const read = await this.proven(stateKey, stateKey, true);
    return isPresent(read) ? { entry: read.entry, proof: read } : null;
  }

  /**
   * State key `stateKey` as the source proves it (asked as `asked`, raw or a data key): its
   * entry, or its absence, checked against a verified header. A source that gives no proof or
   * a bad one is asked again (a NetLightSource asks its next full peer), up to
   * lightProofTriesMax times; then the last TAMPERED refusal stands. So is one proven at a height
   * whose header no full peer has given yet (NOT_READY).
   */
  async proven(stateKey: string, asked: string, raw: boolean): Promise<LightProof | LightAbsence> {
    let refusal: BotError | null = null;
    for (let attempt = 0; attempt < lightProofTriesMax; attempt++) {
      const proof = await this.source.prove(asked, raw);
      if (proof && proof.height > this.client.height) await this.follow();
      if (proof && proof.height > this.client.height) {
        // The peer that proved it is ahead of those that gave the headers: ask again.
        refusal = botError(
          'NOT_READY',
          `A full peer proved ${stateKey} at height ${proof.height}, but no full peer has given this light peer that block's header yet (it is at ${this.client.height}); try again in a moment.`,
        );
        continue;
      }
      try {
        return await this.check(stateKey, proof);
      } catch (error) {
        if (!(error instanceof BotError) || error.code !== 'TAMPERED') throw error;
        refusal = error;
      }
    }
    throw refusal!;
  }

  private async check(
    stateKey: string,
    proof: LightProof | LightAbsence | null,
  ): Promise<LightProof | LightAbsence> {
    if (!proof)
      throw botError(
        'TAMPERED',
        `The full peer gave neither ${stateKey} nor a proof that it is absent; a light peer does not take its word for it.`,
      );
    if (proof.key !== stateKey)
      throw botError('TAMPERED', `The full peer proved ${proof.key}, not ${stateKey}.`);
    if (proof.height > this.client.height) await this.follow();
    if (isPresent(proof)) {
      verifyRead(this.client, proof.height, proof.key, proof.entry, proof.siblings);
      return proof;
    }
    verifyAbsentRead(this.client, proof.height, proof.key, proof);
    return proof;
  }

  /**
   * The result of transaction `txId`, proven: null while no full peer proves it in a certified
   * block (or proves the state at its block's height yet). A transaction in a block either took
   * effect or left its failure record fail/<txId> (never deleted); so it is committed only
   * when that record is proven absent at or after its block's height, failed with its code when
   * the record is proven there. A source that hides the record gives no proof of absence: the
   * read is refused (TAMPERED) and asked again, never reported committed.
   */
  async result(txId: string): Promise<TxResult | null> {
    const included = await this.inclusion(txId);
    if (!included) return null;
    const read = await this.proven(failurePrefix + txId, failurePrefix + txId, true);
    if (isPresent(read)) {
      const failure = decodeTxFailure(read.entry);
      return {
        status: 'rejected',
        height: included.height,
        error: {
          code: failure.code,
          message: `In block ${failure.height} but failed there: ${failure.code} (its failure record, proven against a certified state root); only its nonce was used.`,
        },
      };
    }
    // absent before its block ran says nothing: ask again once the source is there
    if (read.height < included.height) return null;
    return { status: 'committed', height: included.height };
  }

  /**
   * Is transaction `txId` in a certified block? Checked here: the block's header hashes to the
   * one this peer verified at its height with its certificate, and the envelope (whose id is
   * `txId`) is on the audit path to the header's txRoot. null: in no block yet. TAMPERED: the
   * source's proof does not hold.
   */
  async inclusion(txId: string): Promise<{ height: number; tx: Tx } | null> {
    const proof = await this.source.include(txId);
    if (!proof) return null;
    const height = proof.header.height;
    if (height > this.client.height) await this.follow();
    const kept = headerAt(this.client, height);
    if (!kept)
      throw botError(
        'NOT_FOUND',
        `This light peer holds no verified header at height ${height} to check the transaction against.`,
      );
    if (!equalBytes(lightBlockHash(proof.header), kept.hash))
      throw botError(
        'TAMPERED',
        `The header of block ${height} is not the one this peer verified.`,
      );
    let tx: Tx;
    try {
      tx = decodeTx(proof.tx);
    } catch {
      throw botError('TAMPERED', 'The proven transaction is not a transaction.');
    }
    if (txIdOf(tx) !== txId)
      throw botError('TAMPERED', `The full peer proved another transaction than ${txId}.`);
    if (!verifyMerklePath(txLeaf(tx), proof.index, proof.size, proof.path, proof.header.txRoot))
      throw botError(
        'TAMPERED',
        `The inclusion proof of ${txId.slice(0, 12)} does not lead to the txRoot of block ${height}.`,
      );
    return { height, tx };
  }
}
