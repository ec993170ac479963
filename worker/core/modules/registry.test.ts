// A new capability is a folder and one line in the registry (issue 13, item 1): a toy module,
// registered in a test registry next to the real ones, runs through a block, a replay, a load
// from stored entries and a precheck, lets the dids it admits write on a consortium chain, and is
// unknown to the chain's own registry.
import { describe, expect, it } from 'vitest';
import { encode } from '../codec';
import { botError, BotError } from '../errors';
import {
  executeBlock,
  failurePrefix,
  genesisState,
  mayWrite,
  precheckTx,
  replayBlock,
  stateFromEntries,
  type ChainState,
} from '../ledger';
import { testIdentity, type TestIdentity } from '../testing';
import { signTx, type Tx } from '../tx';
import { isPlainObject, onlyFields } from '../body';
import { registryOf, type TxModule } from './module';
import { txModules, txRegistry } from './registry';

// ---- the toy module: guests a validator lets write on a closed chain ----------------------------

interface Guests {
  readonly dids: ReadonlySet<string>;
}
interface GuestsOverlay {
  readonly base: Guests;
  readonly added: string[];
}
const guestPrefix = 'guest/';

const guestsModule: TxModule<Guests, GuestsOverlay, 'guests'> = {
  name: 'guests',
  txTypes: ['guest.invite'],
  bodyRules: {
    'guest.invite': {
      check(body) {
        if (!isPlainObject(body)) throw botError('MALFORMED', 'A guest.invite body is { did }.');
        onlyFields(body, ['did'], 'guest.invite');
        if (typeof body.did !== 'string' || !body.did.startsWith('did:key:z'))
          throw botError('BAD_FIELD_TYPE', 'did must be a did:key.');
      },
    },
  },
  empty: () => ({ dids: new Set() }),
  overlay: (state) => ({ base: state, added: [] }),
  apply(overlay, tx, _txId, block) {
    const { did } = tx.body as { did: string };
    if (!block.chain.validators.some((v) => v.did === tx.from))
      throw botError('UNAUTHORIZED', 'Only a validator invites a guest.');
    if (overlay.base.dids.has(did) || overlay.added.includes(did))
      throw botError('BAD_REQUEST', `${did} is already a guest.`);
    overlay.added.push(did);
  },
  finish(overlay, end) {
    if (overlay.added.length === 0) return overlay.base;
    for (const did of overlay.added) end.writes.set(guestPrefix + did, encode({ h: end.height }));
    return { dids: new Set([...overlay.base.dids, ...overlay.added]) };
  },
  load: {
    prefixes: [guestPrefix],
    fromEntries: (entries) => ({
      dids: new Set(entries.map(([key]) => key.slice(guestPrefix.length))),
    }),
  },
  admits: (state, did) => state.dids.has(did),
  views: { isGuest: (state: Guests, did: string) => state.dids.has(did) },
};

// The one line a new capability adds to registry.ts, here in a registry of the test's own.
const registry = registryOf([...txModules, guestsModule]);

// ---- a consortium chain of one validator --------------------------------------------------------

const validator = testIdentity('toy validator');
const guest = testIdentity('toy guest');
const stranger = testIdentity('toy stranger');
const genesis = {
  name: 'toy',
  mode: 'consortium' as const,
  consensus: { engine: 'poa' as const },
  validators: [{ did: validator.did, power: 1 }],
  time: 1_700_000_000_000,
  salt: 'toy',
};

function signed(from: TestIdentity, nonce: number, type: string, body: unknown): Tx {
  const chain = genesisState(genesis).state.chainId;
  return signTx({ chain, type, from: from.did, nonce, time: 1_700_000_000_100, body }, from.seed);
}

function run(state: ChainState, txs: Tx[], reg = registry) {
  return executeBlock(
    state,
    txs,
    { time: state.headTime + 1000, proposer: validator.did, round: 0 },
    false,
    reg,
  );
}

const guestsOf = (state: ChainState) =>
  (state as unknown as Record<string, Guests | undefined>).guests;

describe('a capability module registered in a registry', () => {
  it('checks bodies, applies, finishes and admits through the registry', () => {
    const start = genesisState(genesis);
    const invite = signed(validator, 1, 'guest.invite', { did: guest.did });
    expect(() => registry.bodyRules['guest.invite']!.check({ did: 7 })).toThrow(BotError);
    registry.bodyRules['guest.invite']!.check(invite.body);

    const put = signed(guest, 1, 'data.put', { key: 'hello', value: 'from a guest' });
    expect(mayWrite(start.state, guest.did, registry)).toBe(false);
    const one = run(start.state, [
      invite,
      signed(stranger, 1, 'guest.invite', { did: stranger.did }), // not a member: left out
      put, // judged on the state before the block: not a guest yet
      signed(validator, 2, 'guest.invite', { did: guest.did }), // fails: already invited
    ]);
    expect(one.rejected.map((r) => r.error?.code)).toEqual(['NOT_MEMBER', 'NOT_MEMBER']);
    expect(one.failed.map((r) => r.error?.code)).toEqual(['BAD_REQUEST']);
    expect([...one.writes.keys()]).toEqual([
      failurePrefix + one.failed[0]!.txId,
      `acct/${validator.did}`,
      `guest/${guest.did}`,
    ]);
    expect([...guestsOf(one.state)!.dids]).toEqual([guest.did]);
    expect(mayWrite(one.state, guest.did, registry)).toBe(true);
    expect(mayWrite(one.state, stranger.did, registry)).toBe(false);

    // The guest now writes; a replay with the same registry agrees on every byte.
    const two = run(one.state, [put]);
    expect(two.txIds).toHaveLength(1);
    expect(two.writes.has('data/hello')).toBe(true);
    const replayed = replayBlock(one.state, { ...two.block, cert: null }, registry);
    expect(replayed.hash).toEqual(two.hash);

    // Loading from the stored entries rebuilds the module's state from its prefixes.
    const entries = new Map([...start.writes, ...one.writes, ...two.writes]);
    const loaded = stateFromEntries(genesis, two.block.header, two.hash, entries, registry);
    expect(loaded.trie.rootHash()).toEqual(two.block.header.stateRoot);
    expect([...guestsOf(loaded)!.dids]).toEqual([guest.did]);
    expect(mayWrite(loaded, guest.did, registry)).toBe(true);

    // A host's precheck refuses early through the same module.
    const again = signed(validator, 2, 'guest.invite', { did: guest.did });
    expect(precheckTx(loaded, again, [], registry)?.code).toBe('BAD_REQUEST');
    expect(
      precheckTx(loaded, signed(guest, 2, 'guest.invite', { did: guest.did }), [], registry)?.code,
    ).toBe('UNAUTHORIZED');
  });

  it('is unknown to the chain registry, which has no rules for its type', () => {
    expect(registry.byType.get('guest.invite')).toBe(guestsModule);
    expect(txRegistry.byType.has('guest.invite')).toBe(false);
    expect(Object.hasOwn(txRegistry.bodyRules, 'guest.invite')).toBe(false);
    const start = genesisState(genesis);
    const invite = signed(validator, 1, 'guest.invite', { did: guest.did });
    expect(() => run(start.state, [invite], txRegistry)).toThrow(/no state rule/);
  });

  it('refuses a registry where two modules claim a type or a module takes a core name', () => {
    expect(() => registryOf([...txModules, guestsModule, guestsModule])).toThrow(/name/);
    expect(() =>
      registryOf([...txModules, { ...guestsModule, name: 'other', txTypes: ['data.put'] }]),
    ).toThrow(/two modules/);
    expect(() => registryOf([{ ...guestsModule, name: 'height' }])).toThrow(/taken/);
    expect(() => registryOf([{ ...guestsModule, txTypes: ['guest.leave'] }])).toThrow(/no body/);
  });
});
