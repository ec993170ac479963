// Validation of submitted data through two real hosts (issue 17, D-9.4): A's chain names A its
// regulator; B submits a value; B's get reports it pending; A refuses it with a reason; B's get
// reports the refusal and why; B resubmits; A sees the resubmission linked to the refused
// version and validates it; B's get reports it valid and the key's history keeps every verdict.
// With the policy data.validators = "stakeholders", C, named by B as a stakeholder of its value,
// refuses it and validates the resubmission; A (neither regulator nor named) is refused.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until, committed, refusal } from './testing';
import { MemoryNetwork } from './memory-net';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

const startPeer = (network: MemoryNetwork) => startNetPeer(network, hosts);

describe('validation of submitted data between two peers (D-9.4)', () => {
  it('a regulator refuses a value, the submitter sees why and resubmits, the resubmission is linked and validated', async () => {
    const network = new MemoryNetwork();
    const a = await startPeer(network);
    const b = await startPeer(network);
    await a.host.createChain({
      name: 'lab',
      mode: 'consortium',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
    });
    await b.host.join(await a.host.invite());
    await until(async () => (await b.host.status()).admission === 'admitted');
    await committed(a.host, a.host.setRole('regulate', [a.did]));
    await until(async () => (await b.host.validation()).regulators.includes(a.did));

    const put1 = await committed(
      b.host,
      b.host.submit({ type: 'data.put', body: { key: 'lab/batch-7', value: { ph: 9.9 } } }),
    );
    await until(async () => (await a.host.validation()).entries.some((e) => e.txId === put1));
    expect((await b.host.get('lab/batch-7'))?.validation).toEqual({
      status: 'pending',
      required: false,
    });
    // Only a regulator judges: B is refused before anything is signed.
    const notRegulator = await refusal(b.host.validate({ key: 'lab/batch-7', verdict: 'valid' }));
    expect(notRegulator.code).toBe('UNAUTHORIZED');
    const noReason = await refusal(a.host.validate({ key: 'lab/batch-7', verdict: 'refused' }));
    expect(noReason.code).toBe('BAD_FIELD_TYPE');

    const entry = (await a.host.validation()).entries[0]!;
    expect(entry).toMatchObject({ key: 'lab/batch-7', from: b.did, status: 'pending' });
    await committed(
      a.host,
      a.host.validate({
        key: 'lab/batch-7',
        height: entry.height,
        verdict: 'refused',
        reason: 'pH out of range',
      }),
    );
    await until(async () => (await b.host.get('lab/batch-7'))?.validation?.status === 'refused');
    expect((await b.host.get('lab/batch-7'))?.validation?.reason).toBe('pH out of range');

    const put2 = await committed(
      b.host,
      b.host.submit({ type: 'data.put', body: { key: 'lab/batch-7', value: { ph: 7.1 } } }),
    );
    await until(async () => (await a.host.validation()).entries.some((e) => e.txId === put2));
    const again = (await a.host.validation()).entries.find((e) => e.txId === put2)!;
    expect(again.resubmitOf).toEqual({
      height: entry.height,
      txId: put1,
      reason: 'pH out of range',
    });
    await committed(a.host, a.host.validate({ key: 'lab/batch-7', verdict: 'valid' }));
    await until(async () => (await b.host.get('lab/batch-7'))?.validation?.status === 'valid');
    const history = await b.host.history('lab/batch-7');
    expect(history.map((v) => v.validation?.status)).toEqual(['refused', 'valid']);
    expect(history[1]?.validation?.resubmitOf).toMatchObject({ tx: put1 });
  });

  it('a stakeholder named by the submitter refuses and then validates; a party not named is refused', async () => {
    const network = new MemoryNetwork();
    const a = await startPeer(network);
    const b = await startPeer(network);
    const c = await startPeer(network);
    await a.host.createChain({
      name: 'farm',
      mode: 'consortium',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
    });
    await b.host.join(await a.host.invite());
    await c.host.join(await a.host.invite());
    await until(async () => (await b.host.status()).admission === 'admitted');
    await until(async () => (await c.host.status()).admission === 'admitted');
    await committed(a.host, a.host.setPolicy('data.validators', 'stakeholders'));
    await until(async () => (await c.host.validation()).validators === 'stakeholders');

    const put1 = await committed(
      b.host,
      b.host.submit({
        type: 'data.put',
        body: { key: 'farm/lot-3', value: { kg: 120 }, stakeholders: [c.did] },
      }),
    );
    await until(async () => (await c.host.validation()).entries.some((e) => e.txId === put1));
    const entry = (await c.host.validation()).entries.find((e) => e.txId === put1)!;
    expect(entry).toMatchObject({ stakeholders: [c.did], mayJudge: true, status: 'pending' });
    expect((await a.host.validation()).entries[0]?.mayJudge).toBe(false);
    // A holds no role and is not named: refused before anything is signed, naming the policy.
    const notNamed = await refusal(a.host.validate({ key: 'farm/lot-3', verdict: 'valid' }));
    expect(notNamed.code).toBe('UNAUTHORIZED');
    expect(notNamed.message).toContain('data.validators');

    await committed(
      c.host,
      c.host.validate({
        key: 'farm/lot-3',
        verdict: 'refused',
        reason: 'weight not on the scale ticket',
      }),
    );
    await until(async () => (await b.host.get('farm/lot-3'))?.validation?.status === 'refused');
    expect((await b.host.get('farm/lot-3'))?.validation?.reason).toBe(
      'weight not on the scale ticket',
    );
    // The resubmission names no one: it keeps the stakeholders of the version it answers.
    const put2 = await committed(
      b.host,
      b.host.submit({ type: 'data.put', body: { key: 'farm/lot-3', value: { kg: 118 } } }),
    );
    await until(async () => (await c.host.validation()).entries.some((e) => e.txId === put2));
    const again = (await c.host.validation()).entries.find((e) => e.txId === put2)!;
    expect(again).toMatchObject({ stakeholders: [c.did], mayJudge: true });
    expect(again.resubmitOf).toMatchObject({ txId: put1 });
    await committed(c.host, c.host.validate({ key: 'farm/lot-3', verdict: 'valid' }));
    await until(async () => (await b.host.get('farm/lot-3'))?.validation?.status === 'valid');
    const history = await b.host.history('farm/lot-3');
    expect(history.map((v) => v.validation?.status)).toEqual(['refused', 'valid']);
  });
});
