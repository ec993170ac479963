// Validation of submitted data on this peer (issue 17, D-9.4): the versions waiting for a verdict
// or refused, for the page, and judging one as this peer (prechecked against the newest state, so
// a non-regulator or a stale version is refused before anything is signed).
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import {
  isRegulator,
  judgeAs,
  regulateRole,
  stakeholderQuorum,
  stakeholdersJudge,
  validationRequired,
} from '../core/modules/validation';
import type { ValidationView } from '../api';

/** Entries one answer lists at most. */
export const validationListedMax = 200;

export interface ValidationHostDeps {
  chain(): ChainState;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  now(): number;
}

export class ValidationHost {
  constructor(private readonly d: ValidationHostDeps) {}

  async validation(): Promise<ValidationView> {
    const chain = this.d.chain();
    const rights = chain.governance;
    const me = this.d.self();
    const records = [...(chain.validation?.records.values() ?? [])];
    const entries = records
      .filter((r) => r.status === 'pending' || r.status === 'refused')
      .sort(
        (a, b) =>
          (a.status === 'pending' ? 0 : 1) - (b.status === 'pending' ? 0 : 1) ||
          b.h - a.h ||
          (a.key < b.key ? -1 : 1),
      )
      .slice(0, validationListedMax)
      .map((r) => ({
        key: r.key,
        height: r.h,
        txId: r.tx,
        from: r.from,
        status: r.status as 'pending' | 'refused',
        verdicts: r.verdicts.map((v) => ({ ...v })),
        resubmitOf: r.resubmitOf
          ? { height: r.resubmitOf.h, txId: r.resubmitOf.tx, reason: r.resubmitOf.reason }
          : null,
        stakeholders: [...(r.stakeholders ?? [])],
        mayJudge:
          r.status === 'pending' &&
          r.from !== me &&
          judgeAs(rights, r, me) !== null &&
          !r.verdicts.some((v) => v.by === me),
      }));
    return {
      regulators: [...(rights?.roles.get(regulateRole) ?? [])],
      regulator: isRegulator(rights, me),
      required: validationRequired(rights),
      validators: stakeholdersJudge(rights) ? 'stakeholders' : 'regulators',
      quorum: stakeholderQuorum(rights),
      entries,
      height: chain.height,
    };
  }

  async validate(request: {
    key: string;
    height?: number;
    verdict: 'valid' | 'refused';
    reason?: string;
  }): Promise<{ txId: string }> {
    const chain = this.d.chain();
    const body: Record<string, unknown> = { key: request.key, verdict: request.verdict };
    if (request.height !== undefined) body.height = request.height;
    if (request.reason !== undefined) body.reason = request.reason;
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type: 'data.validate',
      from: this.d.self(),
      nonce: 1,
      time: this.d.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.d.submit({ type: 'data.validate', body });
  }
}
