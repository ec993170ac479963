// Validation of submitted data by regulators (Y.4560 9.4, D-9.4; issue 17): governance names the
// `regulate` role; its holders judge the current version of a data key; a refusal returns to the
// submitter (a data.refused notification); the submitter's next put is a resubmission linked to
// the refused version; every step is in the key's history (valid/<key>) and rebuilt at load.
import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  stateFromEntries,
  type ChainState,
  type Genesis,
} from './ledger';
import { bftGenesis, testIdentity, type TestIdentity } from './testing';
import { checkTx, signTx, txIdOf, type Tx } from './tx';
import {
  decodeValidationRecord,
  validationOfVersion,
  validationPrefix,
} from './modules/validation';
import { notificationNeeds, notificationsOf, type CommittedBlock } from './notifications';

const ids = [0, 1, 2, 3, 4, 5, 6].map((i) =>
  testIdentity(`validation member ${i}`),
) as TestIdentity[];
const [v0, submitter, regulator, stranger, s1, s2, s3] = ids as [
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
];
const admin = testIdentity('validation admin');
const genesis: Genesis = { ...bftGenesis('validation', ids, 'private'), admin: admin.did };
const start = genesisState(genesis);
const chain = start.state.chainId;

function tx(state: ChainState, from: TestIdentity, type: string, body: unknown, offset = 0): Tx {
  const nonce = (state.nonces.get(from.did) ?? 0) + 1 + offset;
  return signTx({ chain, type, from: from.did, nonce, time: genesis.time, body }, from.seed);
}
const run = (state: ChainState, txs: Tx[]) =>
  executeBlock(
    state,
    txs,
    { time: genesis.time + state.height + 1, proposer: v0.did, round: 0 },
    false,
  );

function notices(done: ReturnType<typeof run>) {
  const block: CommittedBlock = {
    chain,
    height: done.block.header.height,
    time: done.block.header.time,
    txs: done.block.txs,
    txIds: done.txIds,
    failed: new Set(done.failed.map((f) => f.txId)),
  };
  const needs = notificationNeeds(block);
  const written = new Map(
    needs.keys.flatMap(
      (k): Array<[string, Uint8Array]> => (done.writes.has(k) ? [[k, done.writes.get(k)!]] : []),
    ),
  );
  return notificationsOf(block, { written, owners: new Map(), txs: new Map() });
}

/** A chain whose administrator named `regulator` as its regulator. */
function regulated(extra: Tx[] = []) {
  const s0 = start.state;
  const set = run(s0, [
    tx(s0, admin, 'admin.set', {
      change: { kind: 'role', role: 'regulate', dids: [regulator.did] },
    }),
    ...extra,
  ]);
  expect(set.failed).toEqual([]);
  return { state: set.state, writes: new Map([...start.writes, ...set.writes]) };
}

const key = 'lab/batch-7';

describe('validation of submitted data (D-9.4)', () => {
  it('a regulator refuses a version, the submitter is told why, resubmits, and the new version is linked and validated', () => {
    const { state: s1, writes } = regulated();
    const put = run(s1, [tx(s1, submitter, 'data.put', { key, value: { ph: 9.9 } })]);
    expect(put.failed).toEqual([]);
    const s2 = put.state;
    const pending = decodeValidationRecord(put.writes.get(validationPrefix + key)!);
    expect(pending).toMatchObject({
      status: 'pending',
      from: submitter.did,
      h: s2.height,
      resubmitOf: null,
    });

    const refuse = run(s2, [
      tx(s2, regulator, 'data.validate', {
        key,
        height: s2.height,
        verdict: 'refused',
        reason: 'pH out of range',
      }),
    ]);
    expect(refuse.failed).toEqual([]);
    const s3 = refuse.state;
    const refused = decodeValidationRecord(refuse.writes.get(validationPrefix + key)!);
    expect(refused.status).toBe('refused');
    expect(refused.verdicts).toEqual([
      expect.objectContaining({ by: regulator.did, verdict: 'refused', reason: 'pH out of range' }),
    ]);
    // The refusal returns to the submitter.
    expect(notices(refuse)).toEqual([
      expect.objectContaining({
        kind: 'data.refused',
        subject: key,
        to: [submitter.did],
        actor: regulator.did,
        detail: { reason: 'pH out of range', version: s2.height },
      }),
    ]);

    // The resubmission is recorded and linked to the refused version.
    const again = run(s3, [tx(s3, submitter, 'data.put', { key, value: { ph: 7.1 } })]);
    expect(again.failed).toEqual([]);
    const s4 = again.state;
    const resubmitted = decodeValidationRecord(again.writes.get(validationPrefix + key)!);
    expect(resubmitted).toMatchObject({
      status: 'pending',
      h: s4.height,
      resubmitOf: { h: s2.height, tx: txIdOf(put.block.txs[0]!), reason: 'pH out of range' },
    });
    // A version is judged once; only the current one; then it is valid and leaves memory.
    const stale = run(s4, [
      tx(s4, regulator, 'data.validate', { key, height: s2.height, verdict: 'valid' }),
    ]);
    expect(stale.failed[0]?.error?.code).toBe('BAD_REQUEST');
    const ok = run(s4, [tx(s4, regulator, 'data.validate', { key, verdict: 'valid' })]);
    expect(ok.failed).toEqual([]);
    expect(notices(ok)[0]).toMatchObject({ kind: 'data.validated', to: [submitter.did] });
    expect(validationOfVersion(ok.writes.get(validationPrefix + key), s4.height)?.status).toBe(
      'valid',
    );
    expect(ok.state.validation?.records.has(key)).toBe(false);
    const twice = run(ok.state, [
      tx(ok.state, regulator, 'data.validate', { key, verdict: 'refused', reason: 'x' }),
    ]);
    expect(twice.failed[0]?.error?.code).toBe('NOT_FOUND');

    // A load rebuilds a refused version (so a resubmission after a restart is still linked).
    const all = new Map([...writes, ...put.writes, ...refuse.writes]);
    const loaded = stateFromEntries(genesis, refuse.block.header, refuse.hash, [...all]);
    expect(loaded.validation?.records.get(key)?.status).toBe('refused');
    expect(loaded.trie.rootHash()).toEqual(s3.trie.rootHash());
  });

  it('only a holder of the regulate role judges, never its own data; a chain with no regulator refuses data.validate', () => {
    const { state: s1 } = regulated();
    const put = run(s1, [
      tx(s1, submitter, 'data.put', { key, value: 1 }),
      tx(s1, regulator, 'data.put', { key: 'own', value: 2 }),
    ]);
    const s2 = put.state;
    const byStranger = run(s2, [tx(s2, stranger, 'data.validate', { key, verdict: 'valid' })]);
    expect(byStranger.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    expect(byStranger.failed[0]?.error?.message).toContain('regulate');
    const own = run(s2, [tx(s2, regulator, 'data.validate', { key: 'own', verdict: 'valid' })]);
    expect(own.failed[0]?.error?.code).toBe('BAD_REQUEST');
    // A failed verdict writes nothing but its failure record.
    expect([...byStranger.writes.keys()].some((k) => k.startsWith(validationPrefix))).toBe(false);

    const s0 = start.state;
    const unregulated = run(s0, [tx(s0, submitter, 'data.put', { key, value: 1 })]);
    // No regulator and no policy: nothing is tracked (state as before this feature).
    expect([...unregulated.writes.keys()].some((k) => k.startsWith(validationPrefix))).toBe(false);
    const u = unregulated.state;
    const none = run(u, [tx(u, regulator, 'data.validate', { key, verdict: 'valid' })]);
    expect(none.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    expect(none.failed[0]?.error?.message).toContain('names no regulator');
  });

  it('a delete ends the tracking; the policy data.validationRequired is a boolean and turns tracking on', () => {
    const { state: s1 } = regulated();
    const put = run(s1, [tx(s1, submitter, 'data.put', { key, value: 1 })]);
    const del = run(put.state, [tx(put.state, submitter, 'data.delete', { key })]);
    expect(decodeValidationRecord(del.writes.get(validationPrefix + key)!).status).toBe('deleted');
    expect(del.state.validation?.records.has(key)).toBe(false);
    const late = run(del.state, [
      tx(del.state, regulator, 'data.validate', { key, verdict: 'valid' }),
    ]);
    expect(late.failed[0]?.error?.code).toBe('NOT_FOUND');

    const s0 = start.state;
    expect(() =>
      checkTx(
        tx(s0, admin, 'admin.set', {
          change: { kind: 'policy', name: 'data.validationRequired', value: 1 },
        }),
      ),
    ).toThrow(expect.objectContaining({ code: 'BAD_FIELD_TYPE' }));
    const on = run(s0, [
      tx(s0, admin, 'admin.set', {
        change: { kind: 'policy', name: 'data.validationRequired', value: true },
      }),
    ]);
    expect(on.failed).toEqual([]);
    const p = run(on.state, [tx(on.state, submitter, 'data.put', { key, value: 1 })]);
    expect(decodeValidationRecord(p.writes.get(validationPrefix + key)!).status).toBe('pending');
  });

  it('stakeholders named by the submitter judge when data.validators is "stakeholders": k alike verdicts decide, a regulator decides alone, anyone else is refused', () => {
    const policy = (name: string, value: unknown, offset = 0) =>
      tx(start.state, admin, 'admin.set', { change: { kind: 'policy', name, value } }, offset);
    // Default ("regulators"): a named stakeholder may not judge; the policy is named.
    const { state: r1 } = regulated();
    const named = run(r1, [
      tx(r1, submitter, 'data.put', { key, value: 1, stakeholders: [s1.did, s2.did] }),
    ]);
    expect(decodeValidationRecord(named.writes.get(validationPrefix + key)!).stakeholders).toEqual([
      s1.did,
      s2.did,
    ]);
    const refusedRole = run(named.state, [
      tx(named.state, s1, 'data.validate', { key, verdict: 'valid' }),
    ]);
    expect(refusedRole.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    expect(refusedRole.failed[0]?.error?.message).toContain('data.validators');

    // "stakeholders" with a quorum of 2, and a regulator.
    const { state: q } = regulated([
      policy('data.validators', 'stakeholders', 1),
      policy('data.stakeholderQuorum', 2, 2),
    ]);
    const put = run(q, [
      tx(q, submitter, 'data.put', { key, value: 1, stakeholders: [s1.did, s2.did, s3.did] }),
      tx(q, submitter, 'data.put', { key: 'two', value: 2, stakeholders: [s1.did] }, 1),
    ]);
    expect(put.failed).toEqual([]);
    const p = put.state;
    // Not named, not a regulator: UNAUTHORIZED, naming the policy; nothing written.
    const stranger1 = run(p, [tx(p, stranger, 'data.validate', { key, verdict: 'valid' })]);
    expect(stranger1.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    expect(stranger1.failed[0]?.error?.message).toContain('stakeholder');
    expect([...stranger1.writes.keys()].some((k) => k.startsWith(validationPrefix))).toBe(false);
    // One refusal of two needed: still pending, nobody told; the same party cannot judge twice.
    const first = run(p, [
      tx(p, s1, 'data.validate', { key, verdict: 'refused', reason: 'label wrong' }),
    ]);
    expect(first.failed).toEqual([]);
    const afterFirst = decodeValidationRecord(first.writes.get(validationPrefix + key)!);
    expect(afterFirst.status).toBe('pending');
    expect(afterFirst.verdicts).toHaveLength(1);
    expect(notices(first)).toEqual([]);
    const again = run(first.state, [
      tx(first.state, s1, 'data.validate', { key, verdict: 'refused', reason: 'again' }),
    ]);
    expect(again.failed[0]?.error?.code).toBe('BAD_REQUEST');
    // A valid verdict does not add to the refusals; a second refusal decides and returns.
    const valid = run(first.state, [
      tx(first.state, s2, 'data.validate', { key, verdict: 'valid' }),
    ]);
    expect(decodeValidationRecord(valid.writes.get(validationPrefix + key)!).status).toBe(
      'pending',
    );
    const second = run(valid.state, [
      tx(valid.state, s3, 'data.validate', { key, verdict: 'refused', reason: 'seal broken' }),
    ]);
    expect(second.failed).toEqual([]);
    expect(decodeValidationRecord(second.writes.get(validationPrefix + key)!).status).toBe(
      'refused',
    );
    expect(notices(second)).toEqual([
      expect.objectContaining({ kind: 'data.refused', to: [submitter.did], actor: s3.did }),
    ]);
    // A resubmission that names no one keeps the stakeholders of the version it answers.
    const re = run(second.state, [tx(second.state, submitter, 'data.put', { key, value: 2 })]);
    expect(decodeValidationRecord(re.writes.get(validationPrefix + key)!)).toMatchObject({
      status: 'pending',
      stakeholders: [s1.did, s2.did, s3.did],
      resubmitOf: { reason: 'seal broken' },
    });
    // Fewer stakeholders named than the quorum: theirs never decide; a regulator's verdict does.
    const lone = run(p, [tx(p, s1, 'data.validate', { key: 'two', verdict: 'valid' })]);
    expect(decodeValidationRecord(lone.writes.get(validationPrefix + 'two')!).status).toBe(
      'pending',
    );
    const reg = run(lone.state, [
      tx(lone.state, regulator, 'data.validate', { key: 'two', verdict: 'valid' }),
    ]);
    expect(decodeValidationRecord(reg.writes.get(validationPrefix + 'two')!).status).toBe('valid');

    // Policy values and the stakeholders list are checked.
    expect(() => checkTx(policy('data.validators', 'everyone'))).toThrow(
      expect.objectContaining({ code: 'BAD_FIELD_TYPE' }),
    );
    for (const stakeholders of [[], ['bob'], [s1.did, s1.did], Array(17).fill(s1.did)])
      expect(() => checkTx(tx(p, submitter, 'data.put', { key, value: 1, stakeholders }))).toThrow(
        expect.objectContaining({ code: 'BAD_FIELD_TYPE' }),
      );
  });

  it('bad bodies are typed errors naming the limit', () => {
    const s = start.state;
    const cases: Array<[unknown, string]> = [
      [null, 'MALFORMED'],
      [{ key, verdict: 'maybe' }, 'BAD_FIELD_TYPE'],
      [{ key, verdict: 'refused' }, 'BAD_FIELD_TYPE'],
      [{ key, verdict: 'refused', reason: '   ' }, 'BAD_FIELD_TYPE'],
      [{ key, verdict: 'refused', reason: 'x'.repeat(281) }, 'BAD_FIELD_TYPE'],
      [{ key, verdict: 'valid', height: 0 }, 'BAD_FIELD_TYPE'],
      [{ key: '', verdict: 'valid' }, 'BAD_KEY'],
      [{ key, verdict: 'valid', extra: 1 }, 'MALFORMED'],
    ];
    for (const [body, code] of cases)
      expect(() => checkTx(tx(s, regulator, 'data.validate', body)), JSON.stringify(body)).toThrow(
        expect.objectContaining({ code }),
      );
    expect(() =>
      checkTx(tx(s, admin, 'admin.set', { change: { kind: 'role', role: 'regulator', dids: [] } })),
    ).toThrow(expect.objectContaining({ code: 'BAD_FIELD_TYPE' }));
  });
});
