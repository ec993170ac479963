// The supplier's side of device sociability (Y.4464 II.4, issue 16): open the bundled detergent
// shop (worker/core/modules/devices/supplier-contract.ts) with a price and an order terminal, a
// device this peer is the gateway of; change the price; see the orders the chain recorded. Each
// order is also pushed to this page through the chain as a `contract` notice for the terminal
// (Device notices).
import { useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { useAppStore } from '../../store/peer-store';
import { AmountField, Card, ErrorNote, useAction, useAsync } from '../../components/ui';
import { commitOrThrow } from '../../lib/commit';
import { parseAmount, short } from '../../lib/format';
import type { DeviceView } from '../../../worker/api';
import {
  supplierContractName as shop,
  supplierContractSource,
} from '../../../worker/shared/supplier-contract';

interface Shop {
  owner: string;
  device: string;
  item: string;
  price: number;
}
interface Order {
  id: number;
  device: string;
  owner: string;
  item: string;
  quantity: number;
  paid: number;
  height: number;
}

const terminalId = 'shop-terminal';

export function ShopCard({
  tick,
  held,
  onChange,
}: {
  tick: number;
  held: DeviceView[];
  onChange: () => void;
}) {
  const me = useAppStore((s) => s.identity?.did ?? '');
  const detail = useAsync(() => bot().contract(shop), [tick]);
  const [price, setPrice] = useState('10');
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const state = detail.data?.state ?? [];
  const open = (state.find((s) => s.key === 'shop')?.value ?? null) as Shop | null;
  const orders = state
    .filter((s) => s.key.startsWith('order/'))
    .map((s) => s.value as Order)
    .sort((a, b) => b.id - a.id);
  const mine = !open || open.owner === me;

  function onOpen(event: FormEvent) {
    event.preventDefault();
    setNote(null);
    void action.run(async () => {
      const value = parseAmount(price);
      let terminal = open?.device ?? held.find((d) => d.id === terminalId)?.did;
      if (!terminal) {
        setNote('Registering the shop’s order terminal…');
        const made = await bot().registerDevice({
          id: terminalId,
          kind: 'sensor',
          name: 'Shop order terminal',
          capabilities: ['orders'],
        });
        await commitOrThrow(Promise.resolve(made), 'The chain refused the terminal.');
        terminal = made.did;
      }
      if (!detail.data) {
        setNote('Deploying the shop contract…');
        await commitOrThrow(
          bot().deployContract({ name: shop, code: supplierContractSource }),
          'The chain refused the shop contract.',
        );
      }
      const height = await commitOrThrow(
        bot().callContract(shop, 'open', { device: terminal, price: value }),
        'The shop refused the price.',
      );
      setNote(
        open
          ? `The price is ${value} a box from block ${height}.`
          : `The shop is open in block ${height}: ${value} a box.`,
      );
      onChange();
    });
  }

  return (
    <Card title="Detergent shop" id="shop-title">
      <p className="muted small-text">
        A supplier's contract devices buy from: a washer pays from its own wallet, within the rule
        its owner set; the contract records the order, pays the shop owner and tells the shop's
        order terminal through the chain.
      </p>
      <ErrorNote error={detail.error} what="The shop" />
      {open ? (
        <p data-testid="shop-open">
          Open: {open.item} at <strong>{open.price}</strong> a box · sold by{' '}
          {open.owner === me ? 'you' : <code title={open.owner}>{short(open.owner, 8)}</code>} ·
          terminal <code title={open.device}>{short(open.device, 8)}</code>
        </p>
      ) : (
        <p className="muted small-text">Not open on this chain yet.</p>
      )}
      {mine && (
        <form className="form" onSubmit={onOpen} aria-label="Open the shop">
          <AmountField label="Price of a box (tokens)" value={price} onChange={setPrice} />
          <button type="submit" disabled={action.busy || !me}>
            {action.busy ? 'Working…' : open ? 'Change the price' : 'Open the shop'}
          </button>
        </form>
      )}
      {note && (
        <p role="status" data-testid="shop-note">
          {note}
        </p>
      )}
      <ErrorNote error={action.error} />
      {open && (
        <>
          <h3>Orders on chain</h3>
          {orders.length === 0 ? (
            <p className="muted small-text">No orders yet.</p>
          ) : (
            <ul className="plain-list" aria-label="Orders on chain">
              {orders.map((o) => (
                <li key={o.id} data-testid="shop-order">
                  <strong>Order {o.id}</strong>: {o.quantity} × {o.item}, paid {o.paid} · device{' '}
                  <code title={o.device}>{short(o.device, 8)}</code>
                  <span className="muted small-text"> · block {o.height}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Card>
  );
}
