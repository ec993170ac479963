// The gateway's reorder rule on the Devices page (Y.4464 II.4, issue 16): pick a device this peer
// is the gateway of, the value to watch (a washer's detergent level), a threshold and the
// supplier's contract. When a committed reading of the device falls under the threshold, this
// gateway has the device order, signed with the device's key and paid from its wallet at the
// shop's price; the chain holds the payment to the spending rule its owner set, and a refusal
// (UNAUTHORIZED above the rule) is shown as it is. The rule lives in this tab while it is open.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { Card, Pill } from '../../components/ui';
import { commitOrThrow } from '../../lib/commit';
import { short } from '../../lib/format';
import type { DeviceView } from '../../../worker/api';
import { supplierContractName } from '../../../worker/shared/supplier-contract';
import { formatValue } from './model';
import { reorderStep, ruleFrom, type ReorderRule } from './reorder';

interface Attempt {
  ok: boolean;
  text: string;
}
const attemptsShownMax = 5;

/** The shop's price of one item, read from its state on this peer. */
async function priceOf(contract: string): Promise<{ price: number; item: string }> {
  const detail = await bot().contract(contract);
  if (!detail) throw new Error(`No contract "${contract}" on this chain.`);
  const shop = detail.state.find((s) => s.key === 'shop')?.value as
    | { price?: number; item?: string }
    | undefined;
  if (!shop || typeof shop.price !== 'number')
    throw new Error(`The shop "${contract}" is not open yet.`);
  return { price: shop.price, item: shop.item ?? 'item' };
}

export function ReorderCard({ held }: { held: DeviceView[] }) {
  const devices = held.filter((d) => d.status !== 'retired');
  const [form, setForm] = useState({
    device: '',
    value: '',
    below: '20',
    contract: supplierContractName,
    quantity: '1',
  });
  const [rule, setRule] = useState<ReorderRule | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [attempts, setAttempts] = useState<Attempt[]>([]);
  const armed = useRef(true);
  const seen = useRef<string | null>(null);
  const ordering = useRef(false);
  const device = devices.find((d) => d.did === (form.device || devices[0]?.did)) ?? null;
  const valueNow = form.value || device?.capabilities[0] || '';
  const watched = rule ? (held.find((d) => d.did === rule.device) ?? null) : null;
  const latest = watched?.latest ?? null;
  const level = rule && latest ? latest.values[rule.value] : undefined;

  const log = (a: Attempt) => setAttempts((list) => [a, ...list].slice(0, attemptsShownMax));

  // Each new committed reading of the watched device: one step of the rule.
  useEffect(() => {
    if (!rule || !latest || seen.current === latest.txId) return;
    seen.current = latest.txId;
    const step = reorderStep(armed.current, latest.values[rule.value], rule.below);
    armed.current = step.armed;
    if (!step.order || ordering.current) return;
    ordering.current = true;
    const name = watched?.name || watched?.id || short(rule.device, 8);
    const reading = `${formatValue(rule.value, latest.values[rule.value] as never)} in block ${latest.height}`;
    void (async () => {
      try {
        const { price, item } = await priceOf(rule.contract);
        const pay = price * rule.quantity;
        const height = await commitOrThrow(
          bot().deviceCallContract(
            rule.device,
            rule.contract,
            'order',
            { quantity: rule.quantity },
            { pay },
          ),
          'The chain refused the order.',
        );
        log({
          ok: true,
          text: `${name} ordered ${rule.quantity} × ${item} for ${pay} in block ${height} (reading ${reading}), signed with its own key.`,
        });
      } catch (e) {
        const { code, message } = e as { code?: string; message?: string };
        log({
          ok: false,
          text: `${name}'s order was refused${code ? ` (${code})` : ''}: ${message ?? String(e)} (reading ${reading}).`,
        });
      } finally {
        ordering.current = false;
      }
    })();
  }, [rule, latest, watched]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (rule) {
      setRule(null);
      return;
    }
    const made = ruleFrom({ ...form, device: form.device || device?.did || '', value: valueNow });
    if (typeof made === 'string') return setProblem(made);
    setProblem(null);
    armed.current = true;
    seen.current = null;
    setRule(made);
  }

  return (
    <Card title="Reorder rule" id="reorder-title">
      <p className="muted small-text">
        This gateway watches a device's readings on chain and has the device buy from a supplier's
        contract when a value falls under a threshold: signed with the device's key, paid from its
        wallet, within the spending rule its owner set.
      </p>
      {devices.length === 0 ? (
        <p className="muted small-text">Pair and register a device first.</p>
      ) : (
        <form className="form" onSubmit={onSubmit} aria-label="Reorder rule">
          <label>
            Device that orders
            <select
              value={device?.did ?? ''}
              disabled={!!rule}
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
              value={valueNow}
              disabled={!!rule}
              onChange={(e) => setForm({ ...form, value: e.target.value })}
            >
              {(device?.capabilities ?? []).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Order when under
            <input
              value={form.below}
              disabled={!!rule}
              inputMode="decimal"
              onChange={(e) => setForm({ ...form, below: e.target.value })}
            />
          </label>
          <label>
            Supplier contract
            <input
              value={form.contract}
              disabled={!!rule}
              spellCheck={false}
              onChange={(e) => setForm({ ...form, contract: e.target.value })}
            />
          </label>
          <label>
            Boxes per order
            <input
              value={form.quantity}
              disabled={!!rule}
              inputMode="numeric"
              onChange={(e) => setForm({ ...form, quantity: e.target.value })}
            />
          </label>
          <button type="submit">{rule ? 'Turn the rule off' : 'Turn the rule on'}</button>
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
        {attempts.map((a, i) => (
          <li
            key={`${attempts.length - i}`}
            data-testid="reorder-attempt"
            className={a.ok ? 'ok' : 'error'}
          >
            <Pill tone={a.ok ? 'ok' : 'error'}>{a.ok ? 'ordered' : 'refused'}</Pill> {a.text}
          </li>
        ))}
      </ul>
    </Card>
  );
}
