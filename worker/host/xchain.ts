// Cross-chain operations on a peer (issue 18): the light-client material of this peer's blocks
// (each durable block's validator set after it and that set's Merkle proof, kept for the last
// xchainUpdatesKeptMax blocks: a relay needs them for every header it carries, and the peer keeps
// no old state tries), an endpoint a relay reads this peer's chain through and submits to, and
// the relay itself: it holds nothing of its own, reads both chains, plans the next steps with the
// core's planRelay (worker/core/modules/xchain/relay.ts), and submits them in order through the
// two peers, back to back, waiting for all of them at the end of a pass. A relay that crashes
// anywhere is replaced by a new one that reads the chains again: every step is checked on chain,
// so it can only delay an operation (until its deadline, after which any party refuses it).
import { botError, BotError } from '../core/errors';
import { decodeBlock, type Block } from '../core/block';
import { equalBytes } from '../core/bytes';
import type { ChainState } from '../core/ledger';
import {
  certificateSignatureChecks,
  isVerifiedSignature,
  rememberVerifiedSignature,
  validatorsKey,
  type HeaderUpdate,
} from '../core/lightclient';
import type { Verifier } from './crypto';
import type { Validator } from '../core/validators';
import {
  mergeHeaders,
  planRelay,
  type Attest,
  type RelayChainView,
  type RelayIntent,
} from '../core/modules/xchain/relay';
import {
  xchainInPrefix,
  xchainOutPrefix,
  type InRecord,
  type OutRecord,
} from '../core/modules/xchain/types';
import { xchainBodyRules } from '../core/modules/xchain/rules';
import type {
  XchainLinkView,
  XchainMethods,
  XchainOperationView,
  XchainOverview,
} from '../api-xchain';
import type { Storage } from '../store/storage';
import type { Clock } from '../net/clock';
import { repeat } from '../net/clock';

/** Blocks whose light-client material a peer keeps (older headers cannot be relayed from it). */
export const xchainUpdatesKeptMax = 1024;
/**
 * Of those, the newest blocks whose header and certificate are also kept decoded (a relay's pass
 * and a light peer's request read them without decoding the block again; older ones are read
 * from the store). A certificate of a large validator set is kilobytes: hence fewer than above.
 */
export const xchainHeadersCachedMax = 64;
/** How long a relay waits for one of its transactions to commit. */
export const relayStepTimeoutMs = 30_000;

/** Meta key of the light-client material of `height` (a ring of xchainUpdatesKeptMax slots per chain). */
export function lightUpdateMetaKey(chainId: string, height: number): string {
  return `xchain/updates/${chainId}/${height % xchainUpdatesKeptMax}`;
}

interface StoredUpdate {
  height: number;
  /** The block's hash: a slot written for a block that never became durable is not read back. */
  hash: Uint8Array;
  validators: Validator[];
  siblings: Uint8Array[];
}

/**
 * The validator set after each durable block and its proof, for the last xchainUpdatesKeptMax.
 * Given a store, each block's material is also written to the store's meta map (one slot per
 * height modulo xchainUpdatesKeptMax) and read back by `load` when the chain is loaded again:
 * a restarted peer still serves the headers of the blocks it made before (issue 18); the proof
 * cannot be rebuilt from the store, which keeps only the head's state trie.
 */
export class LightUpdateLog {
  private readonly byHeight = new Map<
    number,
    { validators: Validator[]; siblings: Uint8Array[] }
  >();

  constructor(private readonly storage?: Storage) {}

  /** Decoded headers and certificates of the newest blocks (see xchainHeadersCachedMax). */
  private readonly headers = new Map<number, Pick<HeaderUpdate, 'header' | 'cert'>>();

  /**
   * Keep the material of `state`'s block (and, given the block, its header and certificate as
   * they are); resolves once the material is in the store (if any).
   */
  record(state: ChainState, block?: Block): Promise<void> {
    const proof = state.trie.prove(validatorsKey);
    if (!proof) return Promise.resolve();
    this.byHeight.set(state.height, { validators: state.validators, siblings: proof.siblings });
    this.byHeight.delete(state.height - xchainUpdatesKeptMax);
    if (block?.cert && block.header.height === state.height) {
      this.headers.set(state.height, { header: block.header, cert: block.cert });
      this.headers.delete(state.height - xchainHeadersCachedMax);
    }
    if (!this.storage) return Promise.resolve();
    const stored: StoredUpdate = {
      height: state.height,
      hash: state.headHash,
      validators: state.validators,
      siblings: proof.siblings,
    };
    return this.storage.putMeta(lightUpdateMetaKey(state.chainId, state.height), stored);
  }

  /**
   * Read back what the store kept of the blocks up to `state`'s (whose hashes are `hashes`), and
   * the head's own material from its state trie (a crash may have lost its slot).
   */
  async load(state: ChainState, hashes: readonly (Uint8Array | undefined)[]): Promise<void> {
    if (this.storage) {
      const from = Math.max(1, state.height - xchainUpdatesKeptMax + 1);
      for (let height = from; height < state.height; height++) {
        if (this.byHeight.has(height)) continue;
        const stored = await this.storage.getMeta<StoredUpdate>(
          lightUpdateMetaKey(state.chainId, height),
        );
        const hash = hashes[height];
        if (stored?.height !== height || !hash || !equalBytes(stored.hash, hash)) continue;
        this.byHeight.set(height, { validators: stored.validators, siblings: stored.siblings });
      }
    }
    if (state.height > 0 && !this.byHeight.has(state.height)) await this.record(state);
  }

  get(height: number): { validators: Validator[]; siblings: Uint8Array[] } | undefined {
    return this.byHeight.get(height);
  }

  /**
   * The header update of block `height` of `chainId` (undefined: no material, or no certified
   * block in `storage`): the header and certificate from memory for the newest
   * xchainHeadersCachedMax blocks, else from the stored block, decoded.
   */
  async update(
    storage: Storage,
    chainId: string,
    height: number,
  ): Promise<HeaderUpdate | undefined> {
    const material = this.byHeight.get(height);
    if (!material) return undefined;
    const cached = this.headers.get(height);
    if (cached?.header.chain === chainId) return { ...cached, ...material };
    const bytes = await storage.getBlock(chainId, height);
    if (!bytes) return undefined;
    const block = decodeBlock(bytes);
    return block.cert ? { header: block.header, cert: block.cert, ...material } : undefined;
  }
}

/** What a relay needs of one peer on one chain. */
export interface XchainEndpoint {
  /** The durable state (its entries are in storage). */
  durable(): ChainState;
  storage: Storage;
  updates: LightUpdateLog;
  /** The peer's signature verifier: the relay checks the certificates it carries with it first (below). */
  verifier?: Verifier;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  waitFor(
    txId: string,
    options?: { timeoutMs?: number },
  ): Promise<{ status: string; error?: { code: string; message: string } }>;
}

/**
 * A synchronous view of an endpoint's chain for planRelay: the durable state, the header
 * updates of `from` to its head, and the entries of `keys` at its head, read beforehand.
 */
export async function snapshotView(
  end: XchainEndpoint,
  updatesFrom: number,
  keys: string[],
): Promise<RelayChainView> {
  const state = end.durable();
  const updates = new Map<number, HeaderUpdate>();
  for (let height = Math.max(updatesFrom, 1); height <= state.height; height++) {
    const update = await end.updates.update(end.storage, state.chainId, height);
    if (!update) break;
    updates.set(height, update);
  }
  const entries = new Map<string, Uint8Array>();
  for (const key of keys) {
    const entry = await end.storage.getState(state.chainId, key);
    if (entry) entries.set(key, entry);
  }
  const xchain = state.xchain;
  return {
    chainId: state.chainId,
    height: state.height,
    update(height) {
      const update = updates.get(height);
      if (!update)
        throw botError('NOT_FOUND', `This peer holds no light-client update of block ${height}.`);
      return update;
    },
    prove(height, key) {
      const entry = entries.get(key);
      const proof = height === state.height ? state.trie.prove(key) : null;
      return entry && proof ? { entry, siblings: proof.siblings } : null;
    },
    link: (remote) => xchain?.links.get(remote),
    openLocks: () => [...(xchain?.outs.values() ?? [])].filter((r) => r.s === 'locked'),
    incoming: (id) => xchain?.ins.get(id),
  };
}

export interface RelayOptions {
  /** Notary signatures (relay and shared modes); absent: contract mode only. */
  attest?: Attest;
  clock?: Clock;
  intervalMs?: number;
  record?(level: 'info' | 'warn', message: string): void;
}

/** Moves the open operations between two peers' chains (see the top of this file). */
export class XchainRelay {
  private busy = false;
  private stopTimer: (() => void) | null = null;
  /** Steps submitted, for the page and tests. */
  readonly sent: RelayIntent[] = [];

  constructor(
    private readonly a: XchainEndpoint,
    private readonly b: XchainEndpoint,
    private readonly options: RelayOptions = {},
  ) {}

  private async views(): Promise<[RelayChainView, RelayChainView]> {
    const sa = this.a.durable();
    const sb = this.b.durable();
    const keysFor = (source: ChainState, target: ChainState) => {
      const open = [...(source.xchain?.outs.values() ?? [])].filter((r) => r.s === 'locked');
      return {
        out: open.map((r) => xchainOutPrefix + r.op.id),
        in: open
          .map((r) => xchainInPrefix + r.op.id)
          .filter((k) => target.xchain?.ins.has(k.slice(xchainInPrefix.length))),
      };
    };
    const ab = keysFor(sa, sb);
    const ba = keysFor(sb, sa);
    const from = (target: ChainState, source: ChainState) => {
      const lc = target.xchain?.links.get(source.chainId)?.lc;
      return lc ? lc.height + 1 : source.height + 1;
    };
    return [
      await snapshotView(this.a, from(sb, sa), [...ab.out, ...ba.in]),
      await snapshotView(this.b, from(sa, sb), [...ba.out, ...ab.in]),
    ];
  }

  /**
   * One pass: plan both directions and submit the steps in order, back to back (one submitter's
   * nonces keep them in order, so a chain's header updates and the proof that needs them can share
   * a block), then wait for all of them. A step that fails on chain is logged; the next pass
   * plans again from what the chains hold.
   */
  async step(): Promise<RelayIntent[]> {
    if (this.busy) return [];
    this.busy = true;
    try {
      const [va, vb] = await this.views();
      const plan = mergeHeaders([
        ...planRelay(va, vb, this.options.attest),
        ...planRelay(vb, va, this.options.attest),
      ]);
      await this.preverify(plan, va.chainId, vb.chainId);
      const sent: Array<{ intent: RelayIntent; end: XchainEndpoint; txId: string }> = [];
      for (const intent of plan) {
        const end = intent.chain === va.chainId ? this.a : this.b;
        const { txId } = await end.submit({ type: intent.type, body: intent.body });
        this.sent.push(intent);
        sent.push({ intent, end, txId });
      }
      for (const { intent, end, txId } of sent) {
        const result = await end.waitFor(txId, { timeoutMs: relayStepTimeoutMs });
        if (result.status !== 'committed' || result.error)
          this.options.record?.(
            'warn',
            `Relay step ${intent.type} failed: ${result.error?.message ?? result.status}.`,
          );
      }
      return sent.map((s) => s.intent);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Verify the certificates of the headers in `plan` with the peers' own verifiers (WebCrypto or
   * native Ed25519, off the block path) and leave the valid ones in the light client's memo: the
   * block that checks them on chain then skips the pure-JS verification (a third of the
   * finalize's latency with solo chains). A header of chain A travels to B and the other way.
   */
  private async preverify(plan: RelayIntent[], chainA: string, chainB: string): Promise<void> {
    const checks = [];
    for (const intent of plan) {
      const body = intent.body as { updates?: HeaderUpdate[]; headers?: HeaderUpdate[] };
      const updates = body.updates ?? body.headers ?? [];
      const source = intent.chain === chainA ? chainB : chainA;
      // a signature this peer made itself (its own chain's commits) or verified before: known
      for (const update of updates)
        for (const c of certificateSignatureChecks(source, update))
          if (!isVerifiedSignature(c.publicKey, c.message, c.signature)) checks.push(c);
    }
    const verifier = this.a.verifier ?? this.b.verifier;
    if (checks.length === 0 || !verifier) return;
    const verdicts = await verifier.verifyBatch(checks);
    checks.forEach((c, i) => {
      if (verdicts[i]) rememberVerifiedSignature(c.publicKey, c.message, c.signature);
    });
  }

  /** Pass after pass on the clock, until stop(). */
  start(): void {
    const { clock, intervalMs = 1000 } = this.options;
    if (!clock || this.stopTimer) return;
    this.stopTimer = repeat(clock, intervalMs, () => {
      void this.step().catch((error) =>
        this.options.record?.('warn', `Relay pass failed: ${(error as Error).message}`),
      );
    });
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = null;
  }
}

/** Operations the overview lists (newest first). */
export const xchainListedMax = 200;
/** The deadline of a lock when the caller gives none: this many blocks after the head. */
export const xchainDefaultDeadlineBlocks = 20;

export interface XchainHostDeps {
  durable(): ChainState;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
}

/** The window.bot methods of cross-chain operations (worker/api-xchain.ts). */
export class XchainHost {
  constructor(private readonly d: XchainHostDeps) {}

  async xchain(): Promise<XchainOverview> {
    const state = this.d.durable();
    const x = state.xchain;
    const links: XchainLinkView[] = [...(x?.links ?? [])].map(([chain, link]) => ({
      chain,
      mode: link.mode,
      verifiedHeight: link.lc?.height ?? null,
      notaries: link.notaries ?? [],
      quorum: link.quorum ?? null,
      height: link.h,
    }));
    const view = (side: 'out' | 'in', record: OutRecord | InRecord): XchainOperationView => {
      const { op } = record;
      const asset =
        op.asset.kind === 'tokens'
          ? { kind: 'tokens' as const, amount: op.asset.amount }
          : op.asset.kind === 'record'
            ? { kind: 'record' as const, key: op.asset.key }
            : { kind: 'grant' as const, dataset: op.asset.dataset, grantee: op.asset.grantee };
      return {
        id: op.id,
        side,
        source: op.source,
        target: op.target,
        from: op.from,
        to: op.to,
        asset,
        deadline: op.deadline,
        status: record.s,
        height: record.h,
      };
    };
    const operations = [
      ...[...(x?.outs.values() ?? [])].map((r) => view('out', r)),
      ...[...(x?.ins.values() ?? [])].map((r) => view('in', r)),
    ]
      .sort((p, q) => q.height - p.height)
      .slice(0, xchainListedMax);
    return {
      chainId: state.chainId,
      height: state.height,
      genesis: state.genesis,
      links,
      operations,
    };
  }

  xchainLink(request: Parameters<XchainMethods['xchainLink']>[0]): Promise<{ txId: string }> {
    const body: Record<string, unknown> = { chain: request.chain, mode: request.mode };
    if (request.genesis !== undefined) body.genesis = request.genesis;
    if (request.notaries !== undefined) body.notaries = request.notaries;
    if (request.quorum !== undefined) body.quorum = request.quorum;
    return this.d.submit({ type: 'xchain.link', body: checked('xchain.link', body) });
  }

  async xchainLock(
    request: Parameters<XchainMethods['xchainLock']>[0],
  ): Promise<{ txId: string; id: string }> {
    const body = checked('xchain.lock', {
      target: request.target,
      to: request.to ?? this.d.self(),
      asset: request.asset,
      deadline: request.deadline ?? this.d.durable().height + xchainDefaultDeadlineBlocks,
    });
    const { txId } = await this.d.submit({ type: 'xchain.lock', body });
    return { txId, id: txId };
  }

  xchainFund(amount: number): Promise<{ txId: string }> {
    return this.d.submit({ type: 'xchain.fund', body: checked('xchain.fund', { amount }) });
  }
}

/** The core's body rules, before anything is signed: a bad body is BAD_REQUEST with their message. */
function checked(type: string, body: Record<string, unknown>): Record<string, unknown> {
  try {
    xchainBodyRules[type]!.check(body);
  } catch (error) {
    if (error instanceof BotError) throw botError('BAD_REQUEST', `${type}: ${error.message}`);
    throw error;
  }
  return body;
}
