// A consortium of two ITS providers (issue 20; U-II.3), each with its own validator peer, over an
// in-process network: provider A founds the chain naming B as the second provider and validator;
// each certifies and drives its own vehicle on its own peer along Main Street in the same window;
// each provider's map shows both providers' vehicles among the segment's reporters with their
// trust; A settles, each vehicle is paid by its own provider, and both providers' trust records
// count the agreeing observations. (The e2e of the same flow by taps: e2e/its-consortium.spec.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import { MemoryNetwork } from './memory-net';
import { nobleVerifier } from './crypto';
import { startTestHost, until } from './testing';
import { realClock } from '../net/clock';
import { demoTownNetwork, fromPlane, itsTrustContractName } from '../core/modules/its';
import type { PeerHost } from './peer-host';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

describe('an ITS consortium of two providers', () => {
  it("shares road conditions: each provider's map shows the other's vehicle with its trust, and each pays its own", async () => {
    const network = new MemoryNetwork();
    // The peers' clock runs with real time, shifted forward where the test moves it (into a
    // fresh ITS window, past the window's end). A clock that stood still between the test's moves
    // also stopped the consensus's round timeouts: a round that needed one waited for the next
    // move, and after the last move the tick transaction was never decided (2 of 3 CI runs).
    let shift = 0;
    const now = () => Math.floor(realClock.now()) + shift;
    const windowMs = 60_000;
    const peer = async () => {
      const { host } = await startTestHost(new MemoryStorage(), {
        verifier: nobleVerifier,
        net: network.connect(),
        inviteBase: 'http://localhost:8080/',
        now,
      });
      hosts.push(host);
      return { host, did: (await host.identity()).did };
    };
    const a = await peer();
    const b = await peer();
    const { invite } = await a.host.createChain({
      name: 'ring',
      mode: 'consortium',
      consensus: 'poa',
      validators: [a.did, b.did],
      tokens: {
        symbol: 'BOT',
        allocations: [
          { did: a.did, amount: 1_000 },
          { did: b.did, amount: 1_000 },
        ],
      },
      its: {
        providers: [a.did, b.did],
        windowMs,
        reward: 5,
        corroborationMin: 2,
        contract: itsTrustContractName,
      },
    } as never);
    await b.host.join(invite);
    for (const p of [a, b])
      await until(
        async () => (await p.host.contracts()).some((c) => c.name === itsTrustContractName),
        30_000,
      );
    // Each provider certifies its own vehicle's trip key (on its own peer) and drives it.
    for (const p of [a, b]) {
      const { request } = await p.host.itsTripKeys(1);
      await p.host.itsAddCertificates((await p.host.itsCertify(request, 'car')).certificates);
      expect((await p.host.itsDrive()).provider).toBe(p.did);
      await p.host.itsStartTrip();
    }
    // Early in a fresh window (the reports span 21 s of it, plus however long they take).
    shift += windowMs - (now() % windowMs) + 1_000;
    for (let x = 60; x <= 240; x += 30) {
      shift += 3_000;
      const { lat, lon } = fromPlane(demoTownNetwork, x, 600);
      await a.host.itsReport({ lat, lon, speedKmh: 36 });
      await b.host.itsReport({ lat, lon, speedKmh: 40 });
    }
    for (const p of [a, b]) await p.host.itsStopTrip();
    for (const p of [a, b])
      await until(async () => (await p.host.itsDrive()).recent[0]?.status === 'counted', 30_000);
    // Both providers' maps: h20 reported by one vehicle of each, with each provider's trust.
    const both = [
      { provider: a.did, trips: 1, trust: 100 },
      { provider: b.did, trips: 1, trust: 100 },
    ].sort((p, q) => (p.provider < q.provider ? -1 : 1));
    for (const p of [a, b])
      await until(async () => {
        const h20 = (await p.host.itsConditions()).conditions.find((c) => c.segment === 'h20');
        return JSON.stringify(h20?.reporters) === JSON.stringify(both);
      }, 30_000);
    // The window ends; a block passes; A settles; each vehicle is paid by its own provider.
    shift += windowMs;
    const tick = await a.host.submit({ type: 'data.put', body: { key: 'tick', value: 1 } });
    expect((await a.host.waitFor(tick.txId, { timeoutMs: 20_000 })).status).toBe('committed');
    const { settled } = await a.host.itsSettle();
    expect(settled.map((s) => s.segment)).toEqual(['h20']);
    expect((await a.host.waitFor(settled[0]!.txId, { timeoutMs: 20_000 })).status).toBe(
      'committed',
    );
    for (const p of [a, b]) await until(async () => (await p.host.itsDrive()).reward === 5, 30_000);
    for (const p of [a, b])
      await until(async () => {
        const { providers } = await p.host.itsConditions();
        return providers.length === 2 && providers.every((r) => r.ok === 1 && r.trust === 100);
      }, 30_000);
    expect((await b.host.balance(b.did)).balance).toBe(995);
    expect((await a.host.balance(a.did)).balance).toBe(995);
  }, 90_000);
});
