// The gateway's reorder rule on the Devices page (Y.4464 II.4, issue 16): pick a device this peer
// is the gateway and owner of, the value to watch (a washer's detergent level), a threshold and
// the supplier's contract. The rule runs in the peer (worker/host/reorder-host.ts), kept in its
// storage, so it goes on with this tab closed or reloaded and on a headless peer alike: when a
// committed reading of the device falls under the threshold, the peer has the device order,
// signed with the device's key and paid from its wallet; the chain holds the payment to the
// spending rule its owner set, and a refusal (UNAUTHORIZED above the rule) is listed as it is.
// This card only edits the rule and shows the orders it made.
import { useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { Card, Pill, useAsync } from '../../components/ui';
import { short } from '../../lib/format';
import type { DeviceView, ReorderOrderView } from '../../../worker/api';
import { supplierContractName } from '../../../worker/shared/supplier-contract';
import { formatValue } from './model';
import { ruleFrom } from './reorder';

const ordersShownMax = 5;

/** One order as a line: what was ordered and paid, or why it was refused. */
function orderText(o: ReorderOrderView, name: string): string {
  const reading = `${formatValue(o.value, o.level as never)} in block ${o.readingHeight}`;
  const item = o.item ?? 'item';
  if (o.state === 'refused')
    return `${name}'s order was refused (${o.code}): ${o.message} (reading ${reading}).`;
  if (o.state === 'pending')
    return `${name} is ordering ${o.quantity} × ${item} for ${o.pay} (reading ${reading}), signed with its own key.`;
  return `${name} ordered ${o.quantity} × ${item} for ${o.pay} in block ${o.height} (reading ${reading}), signed with its own key.`;
}

export function ReorderCard({ held, tick }: { held: DeviceView[]; tick: number }) {
  const devices = held.filter((d) => d.status !== 'retired');
  const [form, setForm] = useState({
    device: '',
    value: '',
    below: '20',
    contract: supplierContractName,
    quantity: '1',
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [changed, setChanged] = useState(0);
  const kept = useAsync(
    async () => ({ rules: await bot().reorderRules(), orders: await bot().reorderOrders() }),
    [tick, changed],
  );
  const mine = new Set(devices.map((d) => d.did));
  const rule = kept.data?.rules.find((r) => mine.has(r.device)) ?? null;
  const device = devices.find((d) => d.did === (form.device || devices[0]?.did)) ?? null;
  const valueNow = form.value || device?.capabilities[0] || '';
  const watched = rule ? (held.find((d) => d.did === rule.device) ?? null) : null;
  const latest = watched?.latest ?? null;
  const level = rule && latest ? latest.values[rule.value] : undefined;
  const nameOf = (did: string) => {
    const d = held.find((x) => x.did === did);
    return d?.name || d?.id || short(did, 8);
  };
  const orders = (kept.data?.orders ?? [])
    .filter((o) => mine.has(o.device))
    .slice(0, ordersShownMax);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      if (rule) await bot().clearReorderRule(rule.device);
      else {
        const made = ruleFrom({
          ...form,
          device: form.device || device?.did || '',
          value: valueNow,
        });
        if (typeof made === 'string') return setProblem(made);
        await bot().setReorderRule(made);
      }
      setChanged((c) => c + 1);
    } catch (e) {
      const { code, message } = e as { code?: string; message?: string };
      setProblem(`${code ? `${code}: ` : ''}${message ?? String(e)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Reorder rule" id="reorder-title">
      <p className="muted small-text">
        This peer watches a device's readings on chain and has the device buy from a supplier's
        contract when a value falls under a threshold: signed with the device's key, paid from its
        wallet, within the spending rule its owner set. The rule runs in the peer, with this page
        closed too.
      </p>
      {devices.length === 0 ? (
        <p className="muted small-text">Pair and register a device first.</p>
      ) : (
        <form className="form" onSubmit={onSubmit} aria-label="Reorder rule">
          <label>
            Device that orders
            <select
              value={rule?.device ?? device?.did ?? ''}
              disabled={!!rule || busy}
              onChange={(e) => setForm({ ...form, device: e.target.value, value: '' })}
            >
              {devices.map((d) => (
                <option key={d.did} value={d.did}>
                  {d.name || d.id} · {short(d.did, 8)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Value watched
            <select
              value={rule?.value ?? valueNow}
              disabled={!!rule || busy}
              onChange={(e) => setForm({ ...form, value: e.target.value })}
            >
              {((rule ? watched : device)?.capabilities ?? []).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Order when under
            <input
              value={rule ? String(rule.below) : form.below}
              disabled={!!rule || busy}
              inputMode="decimal"
              onChange={(e) => setForm({ ...form, below: e.target.value })}
            />
          </label>
          <label>
            Supplier contract
            <input
              value={rule?.contract ?? form.contract}
              disabled={!!rule || busy}
              spellCheck={false}
              onChange={(e) => setForm({ ...form, contract: e.target.value })}
            />
          </label>
          <label>
            Boxes per order
            <input
              value={rule ? String(rule.quantity) : form.quantity}
              disabled={!!rule || busy}
              inputMode="numeric"
              onChange={(e) => setForm({ ...form, quantity: e.target.value })}
            />
          </label>
          <button type="submit" disabled={busy}>
            {rule ? 'Turn the rule off' : 'Turn the rule on'}
          </button>
        </form>
      )}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {rule && (
        <p role="status" data-testid="reorder-level">
          <Pill tone="ok">on</Pill> {rule.value} on chain:{' '}
          {latest ? `${formatValue(rule.value, level as never)} (block ${latest.height})` : '—'}
        </p>
      )}
      <ul className="plain-list" data-testid="reorder-log" aria-live="polite">
        {orders.map((o) => (
          <li
            key={o.id}
            data-testid="reorder-attempt"
            className={o.state === 'refused' ? 'error' : 'ok'}
          >
            <Pill tone={o.state === 'refused' ? 'error' : o.state === 'pending' ? 'warn' : 'ok'}>
              {o.state === 'committed' ? 'ordered' : o.state}
            </Pill>{' '}
            {orderText(o, nameOf(o.device))}
          </li>
        ))}
      </ul>
    </Card>
  );
}
