// window.bot: validation of submitted data by regulators (issue 17, Y.4560 9.4, D-9.4). Types
// only, as worker/api.ts. The chain side is worker/core/modules/validation.

export interface ValidationVerdictView {
  by: string;
  verdict: 'valid' | 'refused';
  reason: string;
  height: number;
  tx: string;
}

/** A version of a data key waiting for a verdict, or refused (then its submitter resubmits). */
export interface ValidationEntryView {
  key: string;
  /** The version judged: the height and transaction of its data.put, and its submitter. */
  height: number;
  txId: string;
  from: string;
  status: 'pending' | 'refused';
  verdicts: ValidationVerdictView[];
  /** Set when this version is a resubmission: the refused version it answers and why. */
  resubmitOf: { height: number; txId: string; reason: string } | null;
  /** The parties its submitter named (data.put `stakeholders`); empty: none. */
  stakeholders: string[];
  /** Whether this peer may judge it now (a regulator, or a named stakeholder when the policy lets stakeholders judge, not its submitter, not judged by it yet). */
  mayJudge: boolean;
}

/** A version's verdicts in `history` (its own record: `resubmitOf` as the core stores it). */
export interface VersionValidationView {
  status: 'pending' | 'valid' | 'refused';
  verdicts: ValidationVerdictView[];
  resubmitOf: { h: number; tx: string; reason: string } | null;
}

export interface ValidationView {
  /** The chain's regulators (gov/role/regulate); empty: none named, nothing can be validated. */
  regulators: string[];
  /** Whether this peer holds the regulate role. */
  regulator: boolean;
  /** Policy data.validationRequired: reads report an unvalidated version as pending. */
  required: boolean;
  /** Policy data.validators: who judges ("regulators", the default, or also "stakeholders"). */
  validators: 'regulators' | 'stakeholders';
  /** Policy data.stakeholderQuorum: stakeholders' like verdicts that decide a version. */
  quorum: number;
  /** Versions pending first, then refused ones, newest first (at most 200). */
  entries: ValidationEntryView[];
  height: number;
}

export interface ValidationMethods {
  validation(): Promise<ValidationView>;
  /**
   * Judge the current version of a data key as a regulator (`height`: the version meant; a
   * newer one refuses it). A refusal needs a reason; it is sent back to the submitter.
   */
  validate(request: {
    key: string;
    height?: number;
    verdict: 'valid' | 'refused';
    reason?: string;
  }): Promise<{ txId: string }>;
}

export const validationMethodNames = ['validation', 'validate'] as const;
