// Admission: a join on a private or consortium chain is a member.propose voted on. Who may write,
// asking the validators to admit this peer, and a validator's answer to a join request.
import { mayWrite } from '../core/ledger';
import type { Tx } from '../core/tx';
import { publicKeyFromDid } from '../core/crypto/did';
import { type BotError, botError } from '../core/errors';
import * as limits from '../core/limits';
import type { CachingVerifier } from './crypto';
import { encodeWire } from './wire';
import {
  inviteSigningBytes,
  type InviteToken,
  type ProposalRecord,
} from '../core/modules/governance';
import type { LogEntry, Status, TxResult } from '../api';
import type { HostState, HostOptions } from './host-state';
import {
  decideJoinRequest,
  joinAsksBeforeAnyValidatorProposes,
  joinVotesDue,
} from '../core/decisions';

export interface AdmissionDeps {
  state: HostState;
  options: HostOptions;
  verifier: CachingVerifier;
  record(level: LogEntry['level'], message: string): void;
  submitBackground(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult>;
  statusNow(): Status;
}

export class Admission {
  private readonly s: HostState;

  constructor(private readonly d: AdmissionDeps) {
    this.s = d.state;
  }

  /**
   * May `did` write on the active chain: a validator, a member or a registered device; anyone on
   * a public chain. A solo chain (the peer's own development chain) is exempt: its one validator
   * is this peer, and whoever may call its API (the owner, a benchmark, a device gateway) decides.
   */
  mayWrite(did: string, tx?: Tx): boolean {
    // the rule a block's validity enforces (core); `tx`: an ITS trip admits itself by its certificate
    return mayWrite(this.s.peer.chain, did, undefined, tx);
  }

  notMember(did: string): BotError {
    const chain = this.s.peer.chain;
    if (did === this.s.identityView.did) {
      return botError(
        'NOT_MEMBER',
        `This peer is not a member of the ${chain.genesis.mode} chain ${chain.genesis.name} yet: it waits for the validators to vote it in (see Governance). Until then it holds the chain's headers only: it can neither read its data nor write.`,
      );
    }
    return botError(
      'NOT_MEMBER',
      `${did} is not a member of the ${chain.genesis.mode} chain ${chain.genesis.name}; its validators accept transactions only from members.`,
    );
  }

  /** Log a message once per key, so a noisy neighbour does not flood the log. */
  private readonly noted = new Set<string>();
  noteOnce(key: string, level: LogEntry['level'], message: string): void {
    if (this.noted.has(key)) return;
    if (this.noted.size >= limits.joinRequestsTrackedMax) this.noted.clear();
    this.noted.add(key);
    this.d.record(level, message);
  }

  /** Not yet admitted: ask the validators among the neighbours to admit this peer, quoting the invite. */
  askAdmission(): void {
    const net = this.d.options.net;
    if (!net || this.s.stopped || !this.s.peer || this.mayWrite(this.s.identityView.did)) return;
    const validators = new Set(this.s.peer.chain.validators.map((v) => v.did));
    const request = encodeWire({ kind: 'join', invite: this.s.chainRecord.token ?? null });
    for (const did of this.s.neighbours) if (validators.has(did)) net.send(did, request);
  }

  private readonly joinAsks = new Map<string, number>();
  private readonly joinProposing = new Set<string>();
  private readonly joinVoted = new Set<string>();
  /** Join requests heard while a proposal this peer is not a first voter of stayed open. */
  private readonly joinHeldBack = new Map<string, number>();
  private admittedBefore: boolean | null = null;

  async inviteHolds(invite: InviteToken): Promise<boolean> {
    const chain = this.s.peer.chain;
    if (!chain.validators.some((v) => v.did === invite.issuer)) return false;
    try {
      const [ok] = await this.d.verifier.verifyBatch([
        {
          publicKey: publicKeyFromDid(invite.issuer),
          message: inviteSigningBytes(chain.chainId, invite.nonce),
          signature: invite.sig,
        },
      ]);
      return ok === true;
    } catch {
      return false;
    }
  }

  /**
   * A validator's peer gets a join request from an authenticated neighbour; the core decides
   * (core/decisions.ts `decideJoinRequest`: the invite's issuer proposes at once, any other
   * validator after a few repeated requests) and this carries it out. A refusal is logged; a
   * human can still propose the join on the Governance page.
   */
  async onJoinRequest(from: string, invite: InviteToken | null): Promise<void> {
    const chain = this.s.peer.chain;
    const facts = () => ({
      chain: this.s.peer.chain,
      self: this.s.identityView.did,
      from,
      invite,
      asksBefore: this.joinAsks.get(from) ?? 0,
      proposing: this.joinProposing.has(from),
    });
    let decision = decideJoinRequest(facts());
    if (decision.action === 'checkInvite' && invite) {
      const inviteHolds = await this.inviteHolds(invite);
      if (this.s.peer.chain.chainId !== chain.chainId) return; // switched chains meanwhile
      decision = decideJoinRequest({ ...facts(), inviteHolds });
    }
    // A vote may not have committed, or a first voter may be away: the joiner's asks count.
    if (decision.action === 'voteAgain') return this.afterGovernanceChange(true);
    if (decision.action === 'refuse')
      return this.noteOnce(
        `join:${from}:${decision.reason}`,
        'warn',
        `${from} asks to join ${chain.genesis.name}, but ${decision.reason}; it is not admitted. A validator can still propose it as a member on the Governance page.`,
      );
    if (decision.action !== 'wait' && decision.action !== 'propose') return;
    if (this.joinAsks.size >= limits.joinRequestsTrackedMax) this.joinAsks.clear();
    this.joinAsks.set(from, decision.asks);
    if (decision.action === 'wait') return;
    this.joinProposing.add(from);
    try {
      const { txId } = await this.d.submitBackground(decision.tx);
      this.d.record(
        'info',
        `Proposed ${from} as a member of ${chain.genesis.name}: it quotes an invite of ${invite?.issuer}.`,
      );
      const result = await this.d.waitFor(txId, { timeoutMs: 30_000 }).catch(() => null);
      if (result?.status !== 'committed')
        this.d.record(
          'warn',
          `The proposal to admit ${from} did not commit${result?.error ? `: ${result.error.message}` : ''}; it is proposed again when ${from} asks again.`,
        );
    } finally {
      this.joinProposing.delete(from);
    }
  }

  /**
   * After a block with governance transactions, or a join request (`asked`) while a join is
   * open: vote for joins whose invites hold; notice own admission.
   */
  afterGovernanceChange(asked = false): void {
    const admitted = this.mayWrite(this.s.identityView.did);
    if (this.admittedBefore === false && admitted) {
      this.d.record(
        'info',
        `The validators admitted this peer as a member of ${this.s.peer.chain.genesis.name}; it can write now.`,
      );
      this.d.options.emit({ type: 'status', status: this.d.statusNow() });
    }
    this.admittedBefore = admitted;
    // Which joins to vote for is the core's decision (core/decisions.ts `joinVotesDue`).
    for (const { id, proposal: p, first } of joinVotesDue(
      this.s.peer.chain,
      this.s.identityView.did,
    )) {
      if (this.joinVoted.has(id)) continue;
      if (!first) {
        // Not needed for the quorum unless a first voter is away: wait for the joiner to ask again.
        const asks = (this.joinHeldBack.get(id) ?? 0) + (asked ? 1 : 0);
        if (this.joinHeldBack.size >= limits.joinRequestsTrackedMax) this.joinHeldBack.clear();
        this.joinHeldBack.set(id, asks);
        if (asks < joinAsksBeforeAnyValidatorProposes) continue;
      }
      this.joinHeldBack.delete(id);
      if (this.joinVoted.size >= limits.joinRequestsTrackedMax) this.joinVoted.clear();
      this.joinVoted.add(id);
      void this.voteForJoin(id, p).catch((error) =>
        this.d.record(
          'warn',
          `No vote on proposal ${id.slice(0, 12)}: ${(error as Error).message}`,
        ),
      );
    }
  }

  async voteForJoin(id: string, p: ProposalRecord): Promise<void> {
    const did = (p.change as { did: string }).did;
    if (!(await this.inviteHolds(p.invite!))) {
      this.d.record(
        'warn',
        `Proposal ${id.slice(0, 12)} to admit ${did} quotes an invite not signed by a validator of this chain; it waits for a human vote on the Governance page.`,
      );
      return;
    }
    // The chain refuses a second proposal quoting the same invite: this one is its only use. A
    // vote that would fail (the proposal passed meanwhile) is not signed (submitBackground).
    const { txId } = await this.d.submitBackground({
      type: 'member.vote',
      body: { proposal: id, approve: true },
    });
    this.d.record(
      'info',
      `Voted to admit ${did}: its invite was issued by ${p.invite!.issuer} and is used once.`,
    );
    const result = await this.d.waitFor(txId, { timeoutMs: 30_000 }).catch(() => null);
    if (result?.status !== 'committed') this.joinVoted.delete(id); // voted again after the next governance change
  }
}
