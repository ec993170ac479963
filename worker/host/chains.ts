// Chains and invites: the dev chain, loading and checking a stored chain end to end, creating,
// joining and switching chains, invite links, and repair of a damaged store.
import { loadEngineIfContracts } from './lazy-contract-runtime';
import { createPeer } from '../core/peer';
import {
  decodeBlock,
  blockHash,
  txRootOf,
  encodeBlock,
  certificateChecks,
  checkCertificateFor,
  type Block,
} from '../core/block';
import {
  genesisState,
  stateFromEntries,
  checkGenesis,
  chainIdOf,
  type Genesis,
  type ChainState,
} from '../core/ledger';
import { publicKeyFromDid } from '../core/crypto/did';
import { publicKeyFromSeed, signerFromSeed } from '../core/crypto/ed25519';
import { rememberVerifiedSignature } from '../core/lightclient';
import { equalBytes, toHex } from '../core/bytes';
import { botError } from '../core/errors';
import * as limits from '../core/limits';
import { getConsensusRecord, storedBlocks } from '../store/storage';
import type { CachingVerifier } from './crypto';
import type { ConsensusRecord } from '../core/consensus/bft';
import { encode, decode } from '../core/codec';
import { checkInviteToken, inviteSigningBytes, type InviteToken } from '../core/modules/governance';
import type {
  ChainSummary,
  CreateChainRequest,
  IntegrityReport,
  InviteInfo,
  LogEntry,
  RepairResult,
  Settings,
  Status,
} from '../api';
import { setAsideAndRestart, storeProblems } from './integrity';
import { checkInviteSignature, inviteInfoOf } from './invite';
import {
  type HostState,
  type ChainRecord,
  type InviteContent,
  type HostOptions,
  stripUndefined,
} from './host-state';

export interface ChainsServiceDeps {
  state: HostState;
  options: HostOptions;
  verifier: CachingVerifier;
  record(level: LogEntry['level'], message: string): void;
  ready(): Promise<Status>;
  /** Run work in the event loop, after everything queued before it. */
  enqueue<T>(work: () => Promise<T> | T): Promise<T>;
  /** Resolves once every effect queued so far has run. */
  drainEffects(): Promise<void>;
  startNet(): void;
  afterGovernanceChange(): void;
  /** Resubmit own transactions the outbox kept, and sign above them (submissions.ts). */
  restoreOwn(): Promise<void>;
  /** Read back the light-client material of the stored blocks (xchain.ts LightUpdateLog.load). */
  loadLightUpdates(chain: ChainState): Promise<void>;
  statusNow(): Status;
  settings(): Promise<Settings>;
}

/** A genesis validator's power: 1, or on a chain with staking its genesis bond (default minBond). */
function genesisBondOf(request: CreateChainRequest): number {
  const staking = request.staking;
  if (staking === undefined || typeof staking !== 'object' || staking === null) return 1;
  const bond = staking.bond ?? staking.minBond;
  if (!Number.isSafeInteger(bond) || bond < 1)
    throw botError('BAD_FIELD_TYPE', 'staking.bond is a whole number of tokens, at least 1.');
  return bond;
}

export class ChainsService {
  private readonly s: HostState;

  constructor(private readonly d: ChainsServiceDeps) {
    this.s = d.state;
  }

  async createDevChain(did: string): Promise<ChainRecord> {
    const genesis: Genesis = {
      name: 'dev',
      mode: 'private',
      consensus: { engine: 'solo' },
      validators: [{ did, power: 1 }],
      time: this.d.options.now(),
      salt: toHex(this.d.options.randomBytes(8)),
    };
    const { state, block, writes } = genesisState(genesis);
    await this.d.options.storage.commitBlock({
      chainId: state.chainId,
      height: 0,
      block: encodeBlock(block),
      writes,
      txIds: [],
    });
    const record = { chainId: state.chainId, genesis };
    const held = (await this.d.options.storage.getMeta<ChainRecord[]>('chains')) ?? [];
    const previous = await this.d.options.storage.getMeta<ChainRecord>('chain.active');
    if (previous && !held.some((r) => r.chainId === previous.chainId)) held.push(previous);
    await this.d.options.storage.putMeta('chains', [...held, record]);
    await this.d.options.storage.putMeta('chain.active', record);
    this.d.record(
      'info',
      `Created the development chain ${state.chainId} (solo validator: this peer).`,
    );
    return record;
  }

  /**
   * Load a chain from storage and check it end to end: links, roots, certificates, state.
   * `start`: 'fresh' only right after this peer stored the chain's genesis (it never ran it);
   * otherwise it may have voted at the next height before it stopped (see createPeer).
   */
  async load(record: ChainRecord, start: 'fresh' | 'resumed' = 'resumed'): Promise<void> {
    const { storage } = this.d.options;
    const genesis = genesisState(record.genesis);
    const problems: IntegrityReport['problems'] = [];
    const head = await storage.headHeight(record.chainId);
    const hashes: Uint8Array[] = [];
    let verifiedHeight = -1;
    let lastHeader = genesis.block.header;
    const certificateJobs: Array<{ height: number; checks: ReturnType<typeof certificateChecks> }> =
      [];
    const stored = storedBlocks(storage, record.chainId, 0, head);
    for (let height = 0; height <= head; height++) {
      const bytes = (await stored.next()).value || undefined;
      const problem = bytes
        ? this.checkStoredBlock(bytes, height, hashes, genesis.state, certificateJobs)
        : 'the block is missing';
      if (problem) {
        problems.push({ height, message: `Block ${height}: ${problem}` });
        break;
      }
      lastHeader = decodeBlock(bytes!).header;
      verifiedHeight = height;
    }
    const verdicts = await this.d.verifier.verifyBatch(certificateJobs.flatMap((j) => j.checks));
    let at = 0;
    for (const job of certificateJobs) {
      const ok = verdicts.slice(at, at + job.checks.length).every(Boolean);
      at += job.checks.length;
      if (!ok && job.height <= verifiedHeight) {
        problems.push({
          height: job.height,
          message: `Block ${job.height}: a certificate signature does not verify.`,
        });
        verifiedHeight = job.height - 1;
      }
    }
    hashes.length = verifiedHeight + 1;
    this.s.hashes = hashes;
    const entries = await storage.allState(record.chainId);
    const headHash = hashes[verifiedHeight] ?? blockHash(genesis.block.header);
    let chain: ChainState = {
      ...stateFromEntries(record.genesis, lastHeader, headHash, entries),
      contractRuntime: this.s.contractRuntime,
    };
    problems.push(...storeProblems(storage, record.chainId)); // damage the store found itself (integrity.ts)
    const stateVerified =
      problems.length === 0 && equalBytes(chain.trie.rootHash(), lastHeader.stateRoot);
    if (problems.length === 0 && !stateVerified)
      problems.push({
        height: null,
        message: 'The stored world state does not match the state root of the head block.',
      });
    if (problems.length > 0) chain = { ...chain, height: Math.max(verifiedHeight, 0) };
    this.s.integrityReport = {
      ok: problems.length === 0,
      verifiedHeight,
      stateVerified,
      problems,
      checkedAt: this.d.options.now(),
    };
    for (const p of problems) this.d.record('error', `Tamper check: ${p.message}`);
    await loadEngineIfContracts(chain);
    const restored = await this.readConsensusRecord(record.chainId);
    this.s.peer = createPeer(
      {
        did: this.s.identityView.did,
        seed: this.s.seed,
        sign: rememberingSigner(
          publicKeyFromSeed(this.s.seed),
          (this.d.options.voteSignerFor ?? signerFromSeed)(this.s.seed),
        ),
      },
      chain,
      restored,
      start,
    );
    this.s.durable = chain;
    this.s.chainRecord = record;
    if (problems.length === 0) await this.d.loadLightUpdates(chain);
    await this.d.restoreOwn(); // before anything is signed or sent on this chain
    this.d.startNet();
    this.d.afterGovernanceChange();
  }

  /** Structural checks of one stored block; returns a problem or null. Certificates are queued. */
  checkStoredBlock(
    bytes: Uint8Array,
    height: number,
    hashes: Uint8Array[],
    genesisChain: ChainState,
    certificateJobs: Array<{ height: number; checks: ReturnType<typeof certificateChecks> }>,
  ): string | null {
    let block: Block;
    try {
      block = decodeBlock(bytes);
    } catch (error) {
      return `it cannot be decoded (${(error as Error).message})`;
    }
    const { header } = block;
    if (header.height !== height || header.chain !== genesisChain.chainId)
      return 'it is stored under the wrong height or chain';
    const hash = blockHash(header);
    if (height === 0) {
      if (!equalBytes(hash, genesisChain.headHash))
        return 'the genesis block differs from the chain id';
    } else {
      if (!equalBytes(header.prev, hashes[height - 1]!))
        return 'it does not link to the block before it';
      if (!equalBytes(txRootOf(block.txs), header.txRoot))
        return 'its transactions do not match its transaction root';
      try {
        checkCertificateFor(header, block.cert, genesisChain.validators);
        certificateJobs.push({
          height,
          checks: certificateChecks(block.cert!, header.chain, genesisChain.validators),
        });
      } catch (error) {
        return (error as Error).message;
      }
    }
    hashes[height] = hash;
    return null;
  }

  async readConsensusRecord(chainId: string): Promise<ConsensusRecord | undefined> {
    const bytes = await getConsensusRecord(this.d.options.storage, chainId);
    if (!bytes) return undefined;
    try {
      return decode<ConsensusRecord>(bytes, limits.wireMessageBytesMax);
    } catch (error) {
      this.d.record(
        'warn',
        `The stored voting record could not be read (${(error as Error).message}); starting the height afresh.`,
      );
      return undefined;
    }
  }

  async repair(): Promise<RepairResult> {
    await this.d.ready();
    return this.d.enqueue(async () => {
      if (this.s.integrityReport.ok)
        throw botError('BAD_REQUEST', 'The tamper check passed; there is nothing to repair.');
      this.d.options.net?.stop();
      await this.d.drainEffects();
      const record = this.s.chainRecord;
      const movedTo = await setAsideAndRestart(this.d.options.storage, record.genesis); // integrity.ts
      await this.load(record); // 'resumed': this identity may have voted on this chain before
      this.s.integrityReport = {
        ...this.s.integrityReport,
        repaired: { movedTo, at: this.d.options.now() },
      };
      this.d.record(
        'warn',
        `Repair: the damaged store was set aside as ${movedTo} (kept); re-syncing ${record.genesis.name} from peers.`,
      );
      this.d.options.emit({ type: 'status', status: this.d.statusNow() });
      return { movedTo, status: this.d.statusNow() };
    });
  }

  async createChain(request: CreateChainRequest): Promise<{ chainId: string; invite: string }> {
    await this.d.ready();
    const genesis = this.genesisFor(request);
    const validators = genesis.validators;
    const record = await this.d.enqueue(() =>
      this.adoptChain({ chainId: chainIdOf(genesis), genesis }),
    );
    this.d.record(
      'info',
      `Created chain ${genesis.name} (${record.chainId}, ${genesis.mode}, ${genesis.consensus.engine}, ${validators.length} validator(s)).`,
    );
    return { chainId: record.chainId, invite: await this.invite() };
  }

  /** The genesis a createChain request asks for, every field checked (BAD_REQUEST / BAD_FIELD_TYPE). */
  genesisFor(request: CreateChainRequest): Genesis {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'createChain takes { name, mode, consensus, validators? }.');
    const validators = request.validators ?? [this.s.identityView.did];
    if (!Array.isArray(validators) || validators.length === 0)
      throw botError(
        'BAD_FIELD_TYPE',
        'validators must be a non-empty list of did:key identities.',
      );
    for (const did of validators) {
      try {
        publicKeyFromDid(did);
      } catch {
        throw botError('BAD_FIELD_TYPE', `${String(did)} is not a did:key identity.`);
      }
    }
    if (new Set(validators).size !== validators.length)
      throw botError('BAD_FIELD_TYPE', 'A validator is listed twice.');
    const consensus: Genesis['consensus'] = { engine: request.consensus };
    for (const name of ['timeoutMs', 'emptyBlockIntervalMs'] as const) {
      const value = (request as unknown as Record<string, unknown>)[name];
      if (value === undefined) continue;
      if (
        typeof value !== 'number' ||
        !Number.isSafeInteger(value) ||
        value < 0 ||
        value > limits.roundTimeoutMsMax
      )
        throw botError(
          'BAD_FIELD_TYPE',
          `${name} must be a whole number of milliseconds up to ${limits.roundTimeoutMsMax}.`,
        );
      consensus[name] = value;
    }
    const genesis: Genesis = {
      name: request.name,
      mode: request.mode,
      consensus,
      validators: validators.map((did) => ({ did, power: genesisBondOf(request) })),
      time: this.d.options.now(),
      salt: toHex(this.d.options.randomBytes(8)),
      ...(request.admin === undefined ? {} : { admin: request.admin }),
    };
    if (request.tokens !== undefined) genesis.tokens = request.tokens;
    if (request.its !== undefined) genesis.its = request.its;

    if (request.multisig !== undefined) genesis.multisig = request.multisig;
    if (request.staking !== undefined) {
      const { bond: _bond, ...staking } = request.staking;
      genesis.staking = staking;
    }
    checkGenesis(genesis);
    return genesis;
  }

  async join(invite: string): Promise<{ chainId: string }> {
    await this.d.ready();
    const { record, content } = await this.joinRecord(invite);
    const chainId = record.chainId;
    await this.d.enqueue(() => this.adoptChain(record));
    this.d.record(
      'info',
      `Joined chain ${content.genesis.name} (${chainId}); syncing from its peers.`,
    );
    if (this.d.statusNow().admission === 'waiting')
      this.d.record(
        'info',
        `This ${content.genesis.mode} chain admits members by a vote of its validators; asked them to admit this peer${record.token ? ' with the invite' : ' (the invite carries no token: a validator has to propose it by hand)'}.`,
      );
    return { chainId };
  }

  /** The chain record an invite asks to join (its signature checked), merged with what this host holds. */
  async joinRecord(invite: string): Promise<{ record: ChainRecord; content: InviteContent }> {
    const content = decodeInvite(invite);
    const chainId = chainIdOf(content.genesis);
    await checkInviteSignature(chainId, content.token, this.d.verifier);
    const known = (await this.chainRecords()).find((r) => r.chainId === chainId);
    const token = content.token ?? known?.token;
    const record: ChainRecord = known
      ? { ...known, ...(token ? { token } : {}) }
      : { chainId, genesis: content.genesis, relays: content.relays, ...(token ? { token } : {}) };
    return { record, content };
  }

  async invite(): Promise<string> {
    await this.d.ready();
    const settings = await this.d.settings();
    const relays = [
      ...new Set([
        ...settings.relays,
        ...(this.s.chainRecord.relays ?? []),
        ...(this.d.options.defaultRelays ?? []),
      ]),
    ];
    const nonce = toHex(this.d.options.randomBytes(16));
    const token: InviteToken = {
      issuer: this.s.identityView.did,
      nonce,
      sig: await this.s.signer.sign(inviteSigningBytes(this.s.chainRecord.chainId, nonce)),
    };
    const content: InviteContent = { genesis: this.s.chainRecord.genesis, relays, token };
    return `${this.d.options.inviteBase ?? ''}#/join/${base64url(encode(stripUndefined(content)))}`;
  }

  async inviteInfo(invite: string): Promise<InviteInfo> {
    await this.d.ready();
    const content = decodeInvite(invite);
    const held = (await this.chainRecords()).map((r) => r.chainId);
    const here = {
      verifier: this.d.verifier,
      held,
      active: this.s.chainRecord.chainId,
      did: this.s.identityView.did,
    };
    return inviteInfoOf(content, chainIdOf(content.genesis), here);
  }

  async chains(): Promise<ChainSummary[]> {
    await this.d.ready();
    const out: ChainSummary[] = [];
    for (const record of await this.chainRecords()) {
      const active = record.chainId === this.s.peer.chain.chainId;
      const height = active
        ? this.s.durable.height
        : await this.d.options.storage.headHeight(record.chainId);
      // The active chain's validators are those in force now (elected by stake, or changed by
      // votes), not the genesis ones; another chain held here shows its genesis set.
      const validators = active ? this.s.durable.validators : record.genesis.validators;
      const validator = validators.some((v) => v.did === this.s.identityView.did);
      out.push({
        chainId: record.chainId,
        name: record.genesis.name,
        mode: record.genesis.mode,
        consensus: record.genesis.consensus.engine,
        height,
        active,
        role: validator ? 'validator' : 'member',
      });
    }
    return out;
  }

  async useChain(chainId: string): Promise<Status> {
    await this.d.ready();
    const record = (await this.chainRecords()).find((r) => r.chainId === chainId);
    if (!record) throw botError('NOT_FOUND', `This peer holds no chain ${String(chainId)}.`);
    await this.d.enqueue(() => this.adoptChain(record));
    return this.d.statusNow();
  }

  async chainRecords(): Promise<ChainRecord[]> {
    const list = (await this.d.options.storage.getMeta<ChainRecord[]>('chains')) ?? [];
    if (this.s.chainRecord && !list.some((r) => r.chainId === this.s.chainRecord.chainId))
      list.unshift(this.s.chainRecord);
    return list;
  }

  /** Store the chain's genesis if new, remember it, and make it the active chain (inside the loop). */
  async adoptChain(record: ChainRecord): Promise<ChainRecord> {
    const { storage } = this.d.options;
    await this.d.drainEffects(); // the current chain's last block is stored before switching
    const fresh = (await storage.headHeight(record.chainId)) < 0;
    if (fresh) {
      const { state, block, writes } = genesisState(record.genesis);
      await storage.commitBlock({
        chainId: state.chainId,
        height: 0,
        block: encodeBlock(block),
        writes,
        txIds: [],
      });
    }
    const list = await this.chainRecords();
    const at = list.findIndex((r) => r.chainId === record.chainId);
    if (at < 0) list.push(record);
    else list[at] = record;
    await storage.putMeta('chains', list);
    await storage.putMeta('chain.active', record);
    this.d.options.net?.stop();
    this.s.pendingSubmissions = [];
    this.s.nonceNext = 0;
    await this.load(record, fresh ? 'fresh' : 'resumed');
    this.d.options.emit({ type: 'chain', chainId: record.chainId });
    this.d.options.emit({ type: 'status', status: this.d.statusNow() });
    return record;
  }
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** An invite link (or just its code): #/join/<base64url CBOR { genesis, relays, token }>. */
export function decodeInvite(invite: string): InviteContent {
  if (typeof invite !== 'string' || invite.length === 0 || invite.length > limits.inviteLengthMax)
    throw botError(
      'BAD_REQUEST',
      `An invite is a link of at most ${limits.inviteLengthMax} characters.`,
    );
  const code =
    /(?:#\/join\/|[?&]invite=)([A-Za-z0-9_-]+)/.exec(invite)?.[1] ??
    (/^[A-Za-z0-9_-]+$/.test(invite) ? invite : null);
  if (!code) throw botError('MALFORMED', 'This is not a BoT invite link.');
  let content: InviteContent;
  try {
    content = decode<InviteContent>(fromBase64url(code), limits.inviteLengthMax);
  } catch {
    throw botError('MALFORMED', 'The invite link is damaged (it does not decode).');
  }
  if (
    typeof content !== 'object' ||
    content === null ||
    typeof content.genesis !== 'object' ||
    content.genesis === null
  )
    throw botError('MALFORMED', 'The invite carries no chain.');
  checkGenesis(content.genesis);
  const relays = Array.isArray(content.relays)
    ? content.relays
        .filter((r): r is string => typeof r === 'string' && /^wss?:\/\//.test(r))
        .slice(0, 8)
    : [];
  return { genesis: content.genesis, relays, token: tokenOf(content.token) };
}

function tokenOf(value: unknown): InviteToken | null {
  try {
    checkInviteToken(value);
    return value as InviteToken;
  } catch {
    return null;
  }
}

/**
 * The consensus signer, entering each signature it makes in the light clients' memo of valid
 * signatures (worker/core/lightclient): a signature made with the key's own seed is valid by
 * definition (RFC 8032), so when a relay carries this peer's commit certificates to another
 * chain, neither the relay's check beforehand nor the block that checks them on chain verifies
 * them again (with solo chains, every certificate signature is this peer's).
 */
export function rememberingSigner(
  publicKey: Uint8Array,
  sign: (message: Uint8Array) => Uint8Array,
): (message: Uint8Array) => Uint8Array {
  return (message) => {
    const signature = sign(message);
    rememberVerifiedSignature(publicKey, message, signature);
    return signature;
  };
}
