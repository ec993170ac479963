// Stake (issue 16, public mode): on a public chain that chooses its validators by stake, this
// peer's bond and unbonding tokens, bond and unbond by typing an amount, and the validators with
// their voting power (power = bond), with the height where the set is next recomputed.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { Card, ErrorNote, Pill, useAction } from '../components/ui';
import { parseAmount, short } from '../lib/format';
import type { StakingView } from '../../worker/api';
import { commitOrThrow } from '../lib/commit';

export function StakeCard({ view, onDone }: { view: StakingView; onDone: () => void }) {
  const [amount, setAmount] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const settings = view.settings!;
  const symbol = view.symbol ?? '';
  function act(kind: 'bond' | 'unbond') {
    setDone(null);
    void run(async () => {
      const value = parseAmount(amount);
      const height = await commitOrThrow(
        kind === 'bond' ? bot().bond(value) : bot().unbond(value),
        `The chain refused the ${kind}.`,
      );
      setDone(
        kind === 'bond'
          ? `Bonded ${value} ${symbol} in block ${height}: it counts from the epoch boundary at block ${view.nextEpochAt}.`
          : `Unbonding ${value} ${symbol} (block ${height}): it returns to your balance ${settings.unbondingBlocks} blocks later.`,
      );
      setAmount('');
      onDone();
    });
  }
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    act('bond');
  }
  const total = view.validators.reduce((sum, v) => sum + v.power, 0);
  return (
    <Card title="Stake" id="stake-title">
      <p className="muted small-text">
        On this public chain the validators are the {settings.maxValidators} largest bonds of at
        least {settings.minBond} {symbol}, each voting with the power of its bond. The set is
        recomputed every {settings.epochBlocks} blocks (next at block{' '}
        <strong data-testid="next-epoch">{view.nextEpochAt}</strong>). A validator proven to sign
        two different votes loses {settings.slashPercent}% of its stake and its place.
      </p>
      <p data-testid="my-stake">
        Bonded <strong>{view.bond.toLocaleString('en')}</strong> {symbol} · available{' '}
        {view.balance.toLocaleString('en')} {symbol}
        {view.validator && (
          <>
            {' '}
            <Pill tone="ok">validator</Pill>
          </>
        )}
        {view.slashedAt !== null && (
          <>
            {' '}
            <Pill tone="error">slashed at block {view.slashedAt}</Pill>
          </>
        )}
      </p>
      {view.unbonding.length > 0 && (
        <ul className="plain-list small-text" data-testid="unbonding">
          {view.unbonding.map((e) => (
            <li key={`${e.release}-${e.amount}`}>
              {e.amount.toLocaleString('en')} {symbol} returns after block {e.release}
            </li>
          ))}
        </ul>
      )}
      <form className="form" onSubmit={onSubmit}>
        <label>
          Amount to bond or unbond
          <input
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="numeric"
            autoComplete="off"
            required
            data-testid="stake-amount"
          />
        </label>
        <div className="row">
          <button type="submit" disabled={busy}>
            Bond
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => act('unbond')}>
            Unbond
          </button>
        </div>
      </form>
      <ErrorNote error={error} what="Staking" />
      {done && (
        <p role="status" data-testid="stake-result">
          {done}
        </p>
      )}
      <h3>Validators</h3>
      <ul className="plain-list" data-testid="stake-validators">
        {view.validators.map((v) => (
          <li key={v.did} data-testid="stake-validator">
            <code title={v.did}>{short(v.did, 12)}</code> power {v.power.toLocaleString('en')} (
            {total ? Math.round((100 * v.power) / total) : 0}%)
            {v.did === view.account && ' · you'}
          </li>
        ))}
      </ul>
    </Card>
  );
}
