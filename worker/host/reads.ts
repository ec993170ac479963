// Reads, queries and proofs: status, blocks, values with their proofs, history, integrity and
// governance, answered from the last durable chain state and checked against verified hashes.
import { decodeBlock, blockHash, txRootOf, type Block } from '../core/block';
import { decodeTxFailure, failurePrefix, type ChainState } from '../core/ledger';
import { dataPrefix, decodeDataEntry } from '../core/modules/data';
import { txIdOf } from '../core/tx';
import { sha256 } from '../core/crypto/hash';
import { equalBytes, toHex } from '../core/bytes';
import { botError } from '../core/errors';
import { absenceProofView } from '../core/proof';
import type {
  AbsenceProofView,
  BlockView,
  GetResult,
  GovernanceView,
  IntegrityReport,
  Status,
  TxResult,
} from '../api';
import { provenHistory, provenValidationHistory } from './integrity';
import { readRight } from './read-rights';
import {
  administratorsOf,
  enforcedPolicies,
  readRoleOf,
  rightsSetter,
} from '../core/modules/governance';
import { emptyMultisig } from '../core/modules/multisig';
import {
  type ValidationRecord,
  validationOfVersion,
  validationPrefix,
  validationRequired,
  validationTracked,
} from '../core/modules/validation';
import type { HostState, HostOptions } from './host-state';
import type { SealedValues } from './sealed-values';

export interface ReadsDeps {
  state: HostState;
  options: HostOptions;
  ready(): Promise<Status>;
  mayWrite(did: string): boolean;
  /** Messages refused by read rights so far (read-gate.ts). */
  refusals(): { sent: number; taken: number };
  /** Opens a value sealed under a read role when this peer holds it (sealed-values.ts). */
  sealed: Pick<SealedValues, 'open'>;
}

export class Reads {
  private readonly s: HostState;

  constructor(private readonly d: ReadsDeps) {
    this.s = d.state;
  }

  /**
   * Started, and the blocks already announced as committed are durable: a round engine's
   * results are told before their block's write ends (peer-host.ts `runPersisting`), and a read
   * after such a result must see its block.
   */
  private async readable(): Promise<void> {
    await this.d.ready();
    await this.s.announcedWrite;
  }

  async status(): Promise<Status> {
    await this.readable();
    return this.statusNow();
  }

  statusNow(): Status {
    const chain = this.s.durable;
    return {
      chainId: chain.chainId,
      chainName: chain.genesis.name,
      height: chain.height,
      headHash: toHex(chain.headHash),
      peers: this.s.neighbours.length,
      role: chain.validators.some((v) => v.did === this.s.identityView.did)
        ? 'validator'
        : 'member',
      mode: chain.genesis.mode,
      consensus: chain.genesis.consensus.engine,
      syncing: this.s.syncer.syncing,
      mempool: this.s.peer.mempool.size,
      integrity: this.s.integrityReport,
      storage: this.d.options.storageKind,
      verifier: {
        backend: this.d.options.verifier.backend,
        threads: this.d.options.verifier.threads ?? 0,
      },
      admission: this.d.mayWrite(this.s.identityView.did) ? 'admitted' : 'waiting',
      headerHeight: this.headerHeight(),
      readAccess: readRight(chain, this.s.identityView.did),
      readRefusals: { ...this.d.refusals() },
    };
  }

  /** The height up to which this peer holds verified headers (its height, or beyond it while waiting). */
  private headerHeight(): number {
    const chain = this.s.durable;
    const tip = this.s.headerTip;
    return tip && tip.chainId === chain.chainId ? Math.max(tip.height, chain.height) : chain.height;
  }

  /**
   * Values of a private or consortium chain are read by its members only. A peer waiting for
   * admission holds headers alone (the members serve it nothing else) and says so, rather than
   * answering "no such key" for a key it cannot see.
   */
  private checkReads(): void {
    const chain = this.s.durable;
    if (readRight(chain, this.s.identityView.did) === 'full') return;
    throw botError(
      'NOT_MEMBER',
      `This peer is not a member of the ${chain.genesis.mode} chain ${chain.genesis.name}: it holds its headers only (to height ${this.headerHeight()}), not its data. Only members read the chain; the validators serve the rest once they admit this peer.`,
    );
  }

  /**
   * A key under a `read:<prefix>` role (set by the chain's governance): a value written since
   * the role was set is sealed for its holders (sealed-values.ts), so any peer may show that it
   * is sealed; a plaintext one (written before the role) is served by this peer only when its
   * own identity holds the role. `plaintext`: whether a plaintext value is to be served.
   */
  private checkReadRole(key: string, plaintext = true): void {
    if (!plaintext) return;
    const role = readRoleOf(this.s.durable.governance, key);
    const did = this.s.identityView.did;
    if (!role || role.dids.includes(did)) return;
    throw botError(
      'UNAUTHORIZED',
      `${did} does not hold the role ${role.role} on this chain, so this peer does not serve "${key}" (written before the role, in plaintext); the chain's governance names who reads it.`,
    );
  }

  /** A transaction in a stored block: committed, or failed in execution (its failure record in the state). */
  async storedResult(txId: string, height: number): Promise<TxResult> {
    const chain = this.s.durable;
    const key = failurePrefix + txId;
    const leaf = chain.trie.get(key);
    if (!leaf) return { status: 'committed', height };
    const entry = await this.d.options.storage.getState(chain.chainId, key);
    if (!entry || !equalBytes(sha256(entry), leaf))
      throw botError(
        'TAMPERED',
        `The stored result of transaction ${txId.slice(0, 12)} does not match the state root.`,
      );
    const { code } = decodeTxFailure(entry);
    return {
      status: 'rejected',
      height,
      error: {
        code,
        message: `The transaction is in block ${height} but failed in execution (${code}); it used its nonce and changed nothing else.`,
      },
    };
  }

  async block(height: number): Promise<BlockView | null> {
    await this.readable();
    if (!Number.isSafeInteger(height) || height < 0)
      throw botError('BAD_REQUEST', 'block takes a height: a whole number from 0.');
    const expected = this.s.hashes[height];
    const bytes = await this.d.options.storage.getBlock(this.s.peer.chain.chainId, height);
    if (!bytes) return null;
    if (!expected)
      throw botError('TAMPERED', `Block ${height} failed the tamper check and is not served.`);
    let block: Block;
    try {
      block = decodeBlock(bytes);
    } catch {
      throw botError('TAMPERED', `Stored block ${height} was changed and cannot be decoded.`);
    }
    if (
      !equalBytes(blockHash(block.header), expected) ||
      !equalBytes(txRootOf(block.txs), block.header.txRoot)
    ) {
      throw botError('TAMPERED', `Stored block ${height} was changed after it was verified.`);
    }
    return blockView(block, expected);
  }

  async get(key: string): Promise<GetResult | null> {
    await this.readable();
    if (typeof key !== 'string' || key.length === 0)
      throw botError('BAD_REQUEST', 'get takes a non-empty key.');
    this.checkReads();
    if (!this.s.integrityReport.stateVerified && !this.s.integrityReport.ok)
      throw botError(
        'TAMPERED',
        'The stored state failed the tamper check; values are not served.',
      );
    const stateKey = dataPrefix + key;
    let chain: ChainState;
    let leaf: Uint8Array | null;
    let entry: Uint8Array | undefined;
    // Checked against the durable state; a block made durable while the value was read moves
    // that state on, and the read is tried again against it.
    for (let attempt = 0; ; attempt++) {
      chain = this.s.durable;
      leaf = chain.trie.get(stateKey);
      if (!leaf) return null;
      entry = await this.d.options.storage.getState(chain.chainId, stateKey);
      if (entry && equalBytes(sha256(entry), leaf)) break;
      if (this.s.durable === chain || attempt >= 2)
        throw botError('TAMPERED', `The stored value of "${key}" does not match the state root.`);
    }
    const trie = chain.trie;
    const proof = trie.prove(stateKey)!;
    const decoded = decodeDataEntry(entry);
    this.checkReadRole(key, !decoded.deleted && !decoded.sealed);
    const opened = await this.d.sealed.open(
      chain,
      key,
      decoded.sealed,
      decoded.value,
      decoded.txId,
    );
    const validation = decoded.deleted
      ? undefined
      : await this.validationOf(chain, key, decoded.height);
    return {
      value: opened.value,
      ...(opened.sealed ? { sealed: opened.sealed } : {}),
      deleted: decoded.deleted,
      height: decoded.height,
      txId: decoded.txId,
      ...(validation ? { validation } : {}),
      proof: {
        key: stateKey,
        entry: toHex(entry),
        siblings: proof.siblings.map(toHex),
        stateRoot: toHex(trie.rootHash()),
        height: chain.height,
      },
    };
  }

  /**
   * D-9.4: the verdict on the version of `key` written at `height`, on a chain that tracks
   * validation (read from the valid/<key> entry checked against the same state root). A version
   * with no record of its own (written before tracking began) is reported pending.
   */
  private async validationOf(
    chain: ChainState,
    key: string,
    height: number,
  ): Promise<GetResult['validation']> {
    if (!validationTracked(chain.governance)) return undefined;
    const required = validationRequired(chain.governance);
    const stateKey = validationPrefix + key;
    const leaf = chain.trie.get(stateKey);
    const entry = leaf ? await this.d.options.storage.getState(chain.chainId, stateKey) : undefined;
    if (leaf && !(entry && equalBytes(sha256(entry), leaf))) {
      // a block made durable meanwhile wrote a newer verdict: the version is not yet judged here
      if (this.s.durable !== chain) return { status: 'pending', required };
      throw botError(
        'TAMPERED',
        `The stored validation of "${key}" does not match the state root.`,
      );
    }
    const record = validationOfVersion(entry, height);
    if (!record || record.status === 'deleted') return { status: 'pending', required };
    if (record.status !== 'refused') return { status: record.status, required };
    const refusal = [...record.verdicts].reverse().find((v) => v.verdict === 'refused');
    return { status: 'refused', required, reason: refusal?.reason ?? '' };
  }

  /** The proof that nothing is stored under `key` at the durable height; null when a value is. */
  async absenceProof(key: string): Promise<AbsenceProofView | null> {
    await this.readable();
    if (typeof key !== 'string' || key.length === 0)
      throw botError('BAD_REQUEST', 'absenceProof takes a non-empty key.');
    this.checkReads();
    this.checkReadRole(key);
    const chain = this.s.durable;
    const absence = chain.trie.proveAbsence(dataPrefix + key);
    if (!absence) return null;
    return absenceProofView(dataPrefix + key, absence, chain.trie.rootHash(), chain.height);
  }

  async history(key: string) {
    await this.readable();
    this.checkReads();
    const versions = await provenHistory(
      this.d.options.storage,
      this.s.peer.chain.chainId,
      dataPrefix + key,
      this.s.hashes,
    ); // each proved against its block
    // D-9.4: each version's verdicts and resubmission link, from valid/<key>'s own history.
    const judged = new Map<number, ValidationRecord>();
    if (versions.length > 0)
      for (const record of await provenValidationHistory(
        this.d.options.storage,
        this.s.peer.chain.chainId,
        key,
        this.s.hashes,
      )) {
        const known = judged.get(record.h);
        // the newest step of a version holds the most verdicts (history order does not matter)
        if (
          record.status !== 'deleted' &&
          (!known || record.verdicts.length >= known.verdicts.length)
        )
          judged.set(record.h, record);
      }
    const decoded = versions.map((v) => ({ height: v.height, d: decodeDataEntry(v.entry) }));
    const plaintext = decoded.some(({ d }) => !d.deleted && !d.sealed);
    if (typeof key === 'string') this.checkReadRole(key, plaintext);
    const chain = this.s.durable;
    const opened: Awaited<ReturnType<ReadsDeps['sealed']['open']>>[] = [];
    for (const { d } of decoded)
      opened.push(await this.d.sealed.open(chain, key, d.sealed, d.value, d.txId));
    return decoded.map(({ height, d }, i) => {
      const r = judged.get(height);
      const open = opened[i]!;
      return {
        height,
        value: open.value,
        ...(open.sealed ? { sealed: open.sealed } : {}),
        deleted: d.deleted,
        txId: d.txId,
        ...(r
          ? {
              validation: {
                status: r.status as 'pending' | 'valid' | 'refused',
                verdicts: r.verdicts,
                resubmitOf: r.resubmitOf,
              },
            }
          : {}),
      };
    });
  }

  async integrity(): Promise<IntegrityReport> {
    await this.readable();
    return this.s.integrityReport;
  }

  async governance(): Promise<GovernanceView> {
    await this.readable();
    const chain = this.s.peer.chain;
    const gov = chain.governance;
    return {
      validators: chain.validators.map((v) => ({ did: v.did, power: v.power })),
      members: gov ? [...gov.members] : [],
      proposals: gov
        ? [...gov.proposals].map(([id, p]) => ({
            id,
            change: p.change,
            height: p.height,
            approvals: [...p.approvals],
            passed: p.passed,
            applied: p.applied,
            ...(p.invite ? { invite: { issuer: p.invite.issuer } } : {}),
          }))
        : [],
      offenders: gov ? [...gov.offenders].map(([did, height]) => ({ did, height })) : [],
      engine: (gov?.consensus ?? chain.genesis.consensus).engine,
      rightsBy: rightsSetter(chain.genesis),
      admin: chain.genesis.admin ?? null,
      ...adminsView(chain),
      roles: gov ? [...gov.roles].map(([role, dids]) => ({ role, dids: [...dids] })) : [],
      policies: gov
        ? [...gov.policies].map(([name, value]) => ({
            name,
            value,
            enforced: Object.hasOwn(enforcedPolicies, name),
          }))
        : [],
    };
  }
}

function adminsView(chain: ChainState): { admins: string[]; adminApprovals: number } {
  const admins = administratorsOf(
    chain.genesis,
    (chain.multisig ?? emptyMultisig(chain.genesis)).policy,
  );
  return { admins: admins?.dids ?? [], adminApprovals: admins?.k ?? 0 };
}

function blockView(block: Block, hash: Uint8Array): BlockView {
  const h = block.header;
  const txs = block.txs.map((tx) => ({
    txId: txIdOf(tx),
    type: tx.type,
    from: tx.from,
    nonce: tx.nonce,
    time: tx.time,
    body: tx.body,
  }));
  return {
    hash: toHex(hash),
    header: {
      chain: h.chain,
      height: h.height,
      prev: toHex(h.prev),
      txRoot: toHex(h.txRoot),
      stateRoot: toHex(h.stateRoot),
      time: h.time,
      proposer: h.proposer,
      round: h.round,
    },
    txIds: txs.map((t) => t.txId),
    txs,
    cert: block.cert
      ? {
          round: block.cert.round,
          signers: block.cert.sigs.map((s) => s.validator),
          sigs: block.cert.sigs.map((s) => ({ validator: s.validator, sig: toHex(s.sig) })),
        }
      : null,
  };
}
