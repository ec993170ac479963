// A device's wallet, for its owner (issue 16, U-II.4): its balance, the spending rule the chain
// holds its payments to (per payment, per day, payees), what it spent today, funding it from this
// peer's account, and its payments (e.g. a washer's detergent orders).
import { useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { AmountField, ErrorNote, useAction, useAsync } from '../../components/ui';
import { commitOrThrow } from '../../lib/commit';
import { parseAmount, short } from '../../lib/format';
import type { DeviceView } from '../../../worker/api';

export function DeviceWalletPanel({
  device,
  tick,
  onChange,
}: {
  device: DeviceView;
  tick: number;
  onChange: () => void;
}) {
  const view = useAsync(() => bot().balance(device.did), [device.did, tick]);
  const history = useAsync(() => bot().tokenHistory(device.did, { limit: 20 }), [device.did, tick]);
  const [fund, setFund] = useState('');
  const [perTx, setPerTx] = useState('');
  const [perDay, setPerDay] = useState('');
  const [payees, setPayees] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const funding = useAction();
  const ruling = useAction();
  const v = view.data;
  if (view.error) return <ErrorNote error={view.error} what="The device's wallet" />;
  if (!v || v.symbol === null) return null;
  const name = device.name || device.id;

  function onFund(event: FormEvent) {
    event.preventDefault();
    setNote(null);
    void funding.run(async () => {
      const amount = parseAmount(fund);
      const height = await commitOrThrow(
        bot().transfer({ to: device.did, amount, memo: `wallet of ${name}` }),
        'The chain refused the transfer.',
      );
      setNote(`Sent ${amount} ${v!.symbol} to ${name} in block ${height}.`);
      setFund('');
      onChange();
    });
  }

  function onRule(event: FormEvent) {
    event.preventDefault();
    setNote(null);
    void ruling.run(async () => {
      const perTxMax = parseAmount(perTx);
      const perDayMax = parseAmount(perDay);
      const list = payees
        .split(/[\s,]+/)
        .map((p) => p.trim())
        .filter(Boolean);
      const height = await commitOrThrow(
        bot().setSpendingRule(device.did, { perTxMax, perDayMax, payees: list }),
        'The chain refused the rule.',
      );
      setNote(
        `Rule set in block ${height}: ${name} pays at most ${perTxMax} ${v!.symbol} at a time and ${perDayMax} a day.`,
      );
      onChange();
    });
  }

  const paid = (history.data ?? []).filter((m) => m.dir === 'out');
  return (
    <section aria-label={`Wallet of ${name}`} className="device-wallet">
      <h3>Wallet</h3>
      <p data-testid="device-balance">
        <strong>
          {v.balance.toLocaleString('en')} {v.symbol}
        </strong>{' '}
        <span className="muted small-text">in the device's own account</span>
      </p>
      <p className="small-text" data-testid="device-rule">
        {v.rule
          ? `Spending rule: at most ${v.rule.perTxMax} a payment, ${v.rule.perDayMax} a day (${v.rule.spentToday} spent today)${v.rule.payees.length ? `, only to ${v.rule.payees.map((p) => short(p, 8)).join(', ')}` : ''}.`
          : 'No spending rule: the chain lets this device pay nothing until you set one.'}
      </p>
      <form className="form" onSubmit={onFund} aria-label={`Fund ${name}`}>
        <AmountField label={`Send it (${v.symbol})`} value={fund} onChange={setFund} />
        <button type="submit" disabled={funding.busy || !fund}>
          {funding.busy ? 'Sending…' : 'Fund the device'}
        </button>
      </form>
      <ErrorNote error={funding.error} />
      <form className="form" onSubmit={onRule} aria-label={`Spending rule of ${name}`}>
        <AmountField
          label={`At most per payment (${v.symbol})`}
          value={perTx}
          onChange={setPerTx}
        />
        <AmountField label={`At most per day (${v.symbol})`} value={perDay} onChange={setPerDay} />
        <label>
          Only to (dids or contract:name, optional)
          <input
            value={payees}
            onChange={(e) => setPayees(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        <button type="submit" disabled={ruling.busy || !perTx || !perDay}>
          {ruling.busy ? 'Setting…' : 'Set the spending rule'}
        </button>
      </form>
      <ErrorNote error={ruling.error} />
      {note && (
        <p role="status" className="ok" data-testid="device-wallet-note">
          {note}
        </p>
      )}
      <h4>Payments</h4>
      {paid.length === 0 ? (
        <p className="muted small-text">None yet.</p>
      ) : (
        <ul className="plain-list" data-testid="device-payments">
          {paid.map((m) => (
            <li key={m.txId} data-testid="device-payment">
              Paid {m.amount} {v.symbol} to <code title={m.with ?? ''}>{m.with}</code>
              <span className="muted small-text"> · block {m.height}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
