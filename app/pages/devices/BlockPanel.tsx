// A device reported by gateways (Y.4464 II.2, issue 17): its reports, whether they blocked it,
// and for its gateway or owner the way to lift the block once it is fixed (device.unblock).
import { useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { ErrorNote, Pill } from '../../components/ui';
import { short } from '../../lib/format';
import type { DeviceView } from '../../../worker/api';

export function BlockPill({ device }: { device: DeviceView }) {
  const block = device.blocklist;
  if (!block) return null;
  return block.blockedHeight !== null ? (
    <Pill tone="error">blocked</Pill>
  ) : (
    <Pill tone="warn">
      reported {block.reports.length}/{block.threshold}
    </Pill>
  );
}

export function BlockPanel({
  device,
  me,
  onChange,
}: {
  device: DeviceView;
  me: string;
  onChange: () => void;
}) {
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const block = device.blocklist;
  if (!block) return null;
  const mayLift = block.blockedHeight !== null && (device.gateway === me || device.owner === me);
  async function lift(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const { txId } = await bot().unblockDevice(device.did, note.trim());
      const result = await bot().waitFor(txId, { timeoutMs: 30_000 });
      if (result.status !== 'committed') throw new Error(result.error?.message ?? 'Rejected.');
      setMessage(`Unblocked in block ${result.height}.`);
      onChange();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <div data-testid="device-block">
      <h3>Reports by gateways</h3>
      <p className="small-text" role="status">
        {block.blockedHeight !== null
          ? `Blocked since block ${block.blockedHeight}: no gateway takes its readings, messages or contract calls.`
          : `${block.reports.length} of ${block.threshold} gateway reports needed to block it.`}
      </p>
      <ul className="plain-list small-text">
        {block.reports.map((r) => (
          <li key={r.txId}>
            <code title={r.gateway}>{r.gateway === me ? 'this peer' : short(r.gateway, 8)}</code>:{' '}
            {r.reason} (block {r.height})
          </li>
        ))}
      </ul>
      {mayLift && (
        <form className="form" onSubmit={lift} aria-label="Lift the block">
          <label>
            What was fixed
            <input
              value={note}
              onChange={(e) => setNote(e.target.value)}
              required
              maxLength={200}
              data-testid="unblock-note"
            />
          </label>
          <button type="submit">Lift the block</button>
        </form>
      )}
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
