// Validation and regulation of submitted data (Y.4560 9.4, D-9.4; Y.4464 7.2.4; issue 17): the
// holders of the `regulate` role (gov/role/regulate, named by governance like every role) judge
// each version of a data key: data.validate { key, height?, verdict: 'valid' | 'refused', reason }.
// A refusal returns to the submitter (a `data.refused` notification, worker/core/notifications);
// the submitter's next data.put of the key is a resubmission, recorded with a link to the refused
// version (its height, transaction and reason).
//
// What is tracked: once a chain names regulators (the role is set) or turns on the policy
// `data.validationRequired`, every data.put writes `valid/<key>` = ValidationRecord (the version's
// height, transaction and submitter, its status and verdicts); every step stays in the key's
// history. A version written before that has no record and cannot be judged (NOT_FOUND). A
// data.delete ends the tracking of the key until its next put. In memory only the versions that
// wait (pending) or were refused are kept (a resubmission must find the refusal it answers).
//
// Stakeholders (policy data.validators, default "regulators"): a data.put may name the parties
// with a stake in the value (`stakeholders`: did:keys, at most dataStakeholdersMax), kept in the
// version's record. With data.validators = "stakeholders" those parties judge the version too:
//   - a regulator's verdict decides at once (valid or refused), as with "regulators";
//   - a stakeholder's verdict counts: the version is valid when k stakeholders said valid and
//     refused when k said refused, k = policy data.stakeholderQuorum (default 1); a version that
//     names fewer than k stakeholders is decided by a regulator only (a submitter cannot name one
//     friendly party to pass a quorum of three);
//   - each judges a version once; anyone else (not a regulator, not named) is UNAUTHORIZED,
//     with a message that names the policy. With "regulators", a stakeholder is UNAUTHORIZED.
// Datasets (ds.*) are not validated: their versions are sealed to their readers, and a verdict on
// content the regulator cannot read would mean nothing; the datasets' sharing reports nothing of
// validation (docs/CONFORMANCE.md D-9.4).
//
// Enforcement of data.validationRequired (the smallest that is sensible, and deterministic): a
// peer's reads (get, and the datasets' sharing of a key) report the current version's status,
// and while the policy is on, a version that is pending or refused is reported as "pending
// validation" to every reader but its submitter and the regulators: its value is withheld.
// Writes are never blocked by it (a refused submitter must be able to resubmit).
import { decode, encode } from '../../codec';
import { botError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import type { Tx } from '../../tx-shape';
import type { BlockContext, BodyRules, TxModule } from '../module';
import { governanceModule } from '../governance';
import { checkDataKey } from '../data/rules';

export const validationPrefix = 'valid/';
export const validationTxTypes = ['data.validate'] as const;
export const regulateRole = 'regulate';
export const validationRequiredPolicy = 'data.validationRequired';
export const validatorsPolicy = 'data.validators';
export const stakeholderQuorumPolicy = 'data.stakeholderQuorum';
/** Characters of a verdict's reason. */
export const validationReasonLengthMax = 280;

/** `deleted`: the key was deleted after this version (tracking ends until its next put). */
export type ValidationStatus = 'pending' | 'valid' | 'refused' | 'deleted';

export interface Verdict {
  by: string;
  verdict: 'valid' | 'refused';
  reason: string;
  height: number;
  tx: string;
}

export interface ValidationRecord {
  key: string;
  /** The version judged: the height and transaction of its data.put, and who sent it. */
  h: number;
  tx: string;
  from: string;
  status: ValidationStatus;
  verdicts: Verdict[];
  /** Set when this version is a resubmission: the refused version it answers. */
  resubmitOf: { h: number; tx: string; reason: string } | null;
  /** The parties the submitter named (absent when none: the record encodes as before). */
  stakeholders?: string[];
}

export interface ValidationState {
  /** Versions pending or refused, by key. */
  readonly records: ReadonlyMap<string, ValidationRecord>;
}

export interface ValidationOverlay {
  records: Map<string, ValidationRecord>;
  touched: Set<string>;
}

function checkReason(value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (
    typeof value !== 'string' ||
    (required && value.trim().length === 0) ||
    value.length > validationReasonLengthMax ||
    /[\u0000-\u001f\u007f]/.test(value)
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `reason is text of ${required ? 1 : 0} to ${validationReasonLengthMax} characters, without control characters${required ? ' (a refusal says why)' : ''}.`,
    );
}

const validateRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError(
        'MALFORMED',
        'A data.validate body must be a map { key, height?, verdict, reason }.',
      );
    onlyFields(body, ['key', 'height', 'verdict', 'reason'], 'data.validate');
    checkDataKey(body.key);
    if (
      body.height !== undefined &&
      !(typeof body.height === 'number' && Number.isSafeInteger(body.height) && body.height >= 1)
    )
      throw botError(
        'BAD_FIELD_TYPE',
        'height is the block height of the version judged (1 or more).',
      );
    if (body.verdict !== 'valid' && body.verdict !== 'refused')
      throw botError('BAD_FIELD_TYPE', 'verdict is "valid" or "refused".');
    checkReason(body.reason, body.verdict === 'refused');
  },
};

interface RightsLike {
  readonly roles: ReadonlyMap<string, readonly string[]>;
  readonly policies: ReadonlyMap<string, unknown>;
}

/** Does this chain track validation (a regulator named, validation required, or stakeholders judge)? */
export function validationTracked(rights: RightsLike | undefined): boolean {
  return (
    rights !== undefined &&
    (rights.roles.has(regulateRole) ||
      rights.policies.get(validationRequiredPolicy) === true ||
      stakeholdersJudge(rights))
  );
}

/** Policy data.validators: do the stakeholders a submitter names judge its data? */
export function stakeholdersJudge(rights: RightsLike | undefined): boolean {
  return rights?.policies.get(validatorsPolicy) === 'stakeholders';
}

/** Policy data.stakeholderQuorum: the stakeholders' like verdicts that decide (default 1). */
export function stakeholderQuorum(rights: RightsLike | undefined): number {
  const k = rights?.policies.get(stakeholderQuorumPolicy);
  return typeof k === 'number' && Number.isSafeInteger(k) && k >= 1 ? k : 1;
}

/** May `did` judge this version: as a regulator, as a stakeholder, or not at all? */
export function judgeAs(
  rights: RightsLike | undefined,
  record: Pick<ValidationRecord, 'stakeholders'> | undefined,
  did: string,
): 'regulator' | 'stakeholder' | null {
  if (isRegulator(rights, did)) return 'regulator';
  if (stakeholdersJudge(rights) && record?.stakeholders?.includes(did)) return 'stakeholder';
  return null;
}

/** Is validation required by policy on this chain? */
export function validationRequired(rights: RightsLike | undefined): boolean {
  return rights?.policies.get(validationRequiredPolicy) === true;
}

/** Is `did` a regulator of this chain? */
export function isRegulator(rights: RightsLike | undefined, did: string): boolean {
  return rights?.roles.get(regulateRole)?.includes(did) === true;
}

/**
 * Called by the data module for each data.put and data.delete it applies: records the new version
 * (pending; linked to a refused one it answers) or ends the tracking of a deleted key.
 */
export function noteDataWrite(tx: Tx, txId: string, block: BlockContext): void {
  const rights = block.overlayOf(governanceModule);
  if (!validationTracked(rights)) return;
  const overlay = block.overlayOf(validationModule);
  const { key, stakeholders } = tx.body as { key: string; stakeholders?: string[] };
  const previous = overlay.records.get(key);
  overlay.touched.add(key);
  if (tx.type !== 'data.put') {
    if (previous) overlay.records.set(key, { ...previous, status: 'deleted' });
    return;
  }
  const refusal =
    previous?.status === 'refused'
      ? [...previous.verdicts].reverse().find((v) => v.verdict === 'refused')
      : undefined;
  overlay.records.set(key, {
    key,
    h: block.height,
    tx: txId,
    from: tx.from,
    status: 'pending',
    verdicts: [],
    resubmitOf:
      previous && refusal ? { h: previous.h, tx: previous.tx, reason: refusal.reason } : null,
    // a resubmission that names no stakeholders keeps those of the version it answers
    ...(stakeholders || (refusal && previous?.stakeholders)
      ? { stakeholders: [...(stakeholders ?? previous?.stakeholders ?? [])] }
      : {}),
  });
}

function applyValidate(
  overlay: ValidationOverlay,
  tx: Tx,
  txId: string,
  block: BlockContext,
): void {
  const body = tx.body as {
    key: string;
    height?: number;
    verdict: 'valid' | 'refused';
    reason?: string;
  };
  const rights = block.overlayOf(governanceModule);
  const stakeholders = stakeholdersJudge(rights);
  if (!stakeholders && !rights.roles.has(regulateRole))
    throw botError(
      'UNAUTHORIZED',
      `This chain names no regulator (the role ${regulateRole} is not set); its governance names who validates data.`,
    );
  if (!stakeholders && !isRegulator(rights, tx.from))
    throw botError(
      'UNAUTHORIZED',
      `${tx.from} does not hold the role ${regulateRole} on this chain, so it may not validate data (policy ${validatorsPolicy} is "regulators").`,
    );
  const record = overlay.records.get(body.key);
  if (!record)
    throw botError(
      'NOT_FOUND',
      `No version of ${body.key} awaits validation (it was judged already, deleted, or written before this chain tracked validation).`,
    );
  if (body.height !== undefined && body.height !== record.h)
    throw botError(
      'BAD_REQUEST',
      `The version of ${body.key} at height ${body.height} is not its current one (height ${record.h}); only the current version is judged.`,
    );
  if (record.status !== 'pending')
    throw botError(
      'BAD_REQUEST',
      `The version of ${body.key} at height ${record.h} is ${record.status === 'deleted' ? 'deleted' : `${record.status} already`}.`,
    );
  const as = judgeAs(rights, record, tx.from);
  if (!as)
    throw botError(
      'UNAUTHORIZED',
      `${tx.from} is neither a regulator (role ${regulateRole}) nor a stakeholder named by the submitter of ${body.key}, so it may not validate it (policy ${validatorsPolicy} is "stakeholders").`,
    );
  if (record.from === tx.from)
    throw botError(
      'BAD_REQUEST',
      'A submitter does not validate its own data; another regulator does.',
    );
  if (record.verdicts.some((v) => v.by === tx.from))
    throw botError(
      'BAD_REQUEST',
      `${tx.from} gave its verdict on this version of ${body.key} already; a party judges a version once.`,
    );
  // A regulator decides; stakeholders decide when k of them (data.stakeholderQuorum) agree.
  const alike =
    1 +
    record.verdicts.filter(
      (v) => v.verdict === body.verdict && record.stakeholders?.includes(v.by) === true,
    ).length;
  const decided = as === 'regulator' || alike >= stakeholderQuorum(rights);
  overlay.records.set(body.key, {
    ...record,
    status: decided ? body.verdict : 'pending',
    verdicts: [
      ...record.verdicts,
      {
        by: tx.from,
        verdict: body.verdict,
        reason: body.reason ?? '',
        height: block.height,
        tx: txId,
      },
    ],
  });
  overlay.touched.add(body.key);
}

export function decodeValidationRecord(bytes: Uint8Array): ValidationRecord {
  return decode<ValidationRecord>(bytes, 1 << 16);
}

/** The record of the key's version at `height` from a stored entry, if it is that version's. */
export function validationOfVersion(
  bytes: Uint8Array | null | undefined,
  height: number,
): ValidationRecord | null {
  if (!bytes) return null;
  const record = decodeValidationRecord(bytes);
  return record.h === height ? record : null;
}

const kept = (record: ValidationRecord) =>
  record.status === 'pending' || record.status === 'refused';

export const validationModule: TxModule<ValidationState, ValidationOverlay, 'validation'> = {
  name: 'validation',
  txTypes: validationTxTypes,
  bodyRules: { 'data.validate': validateRules },
  empty: () => ({ records: new Map() }),
  overlay: (state) => ({ records: new Map(state.records), touched: new Set() }),
  apply: applyValidate,
  finish(overlay, end) {
    for (const key of overlay.touched) {
      const record = overlay.records.get(key);
      if (record) end.writes.set(validationPrefix + key, encode(record));
    }
    const records = new Map<string, ValidationRecord>();
    for (const [key, record] of overlay.records) if (kept(record)) records.set(key, record);
    return { records };
  },
  load: {
    prefixes: [validationPrefix],
    fromEntries(entries) {
      const records = new Map<string, ValidationRecord>();
      for (const [, bytes] of entries) {
        const record = decodeValidationRecord(bytes);
        if (kept(record)) records.set(record.key, record);
      }
      return { records };
    },
  },
  views: { decodeValidationRecord, validationOfVersion, validationTracked, validationRequired },
};
