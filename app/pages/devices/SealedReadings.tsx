// A device's readings whose values are sealed (issue 15, D-8.1): the values are only in the
// gateway's dataset of the device. A peer not granted it is told so and can ask for access here
// (a dataset request with its purpose; the gateway's owner decides on its Data page); a peer
// granted it sees the values opened on its own peer, or the aggregate it was granted.
import { useId, useState } from 'react';
import { bot } from '../../runtime';
import { commitOrThrow } from '../../lib/commit';
import { ErrorNote } from '../../components/ui';
import type { DeviceReadingView, DeviceView } from '../../../worker/api';

export function SealedNote({ device, onChange }: { device: DeviceView; onChange: () => void }) {
  const access = device.access;
  const [purpose, setPurpose] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const purposeId = useId();
  const ask = async () => {
    if (!access?.dataset) return;
    setBusy(true);
    setError(null);
    try {
      await commitOrThrow(
        bot().requestAccess(access.dataset, purpose.trim() || 'read the device readings'),
      );
      onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const state = access?.state ?? 'none';
  return (
    <div className="sealed-note">
      <p className="muted small-text" data-testid="chain-reading-sealed">
        {state === 'pending'
          ? 'Sealed — access requested: the values are not on chain, they are in the device’s dataset. Its gateway’s owner decides on its Data page.'
          : state === 'full' || state === 'projection' || state === 'aggregate'
            ? 'Sealed — you were granted the device’s data: opening it on this peer…'
            : 'Sealed — request access: the values are not on chain, they are sealed in the device’s dataset, which its gateway shares with the peers it grants.'}
      </p>
      {state === 'none' && access?.dataset && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void ask();
          }}
        >
          <label htmlFor={purposeId}>Purpose of use</label>
          <input
            id={purposeId}
            data-testid="device-data-purpose"
            value={purpose}
            onChange={(e) => setPurpose(e.target.value)}
            placeholder="why you read it"
          />
          <button type="submit" data-testid="device-data-request" disabled={busy}>
            {busy ? 'Requesting…' : 'Request access'}
          </button>
        </form>
      )}
      <ErrorNote error={error} what="The request" />
    </div>
  );
}

/** Where the values shown came from, for a reading opened on this peer. */
export function OpenedNote({ latest }: { latest: DeviceReadingView }) {
  const opened = latest.opened;
  if (!opened) return null;
  const aggregate = opened.aggregate;
  return (
    <>
      {aggregate && (
        <dl className="summary" data-testid="chain-reading-aggregate">
          {(['count', 'min', 'max', 'mean'] as const)
            .filter((fn) => aggregate[fn] !== undefined)
            .map((fn) => (
              <div key={fn}>
                <dt>
                  {fn} of {aggregate.field}
                </dt>
                <dd>{String(aggregate[fn] ?? '—')}</dd>
              </div>
            ))}
        </dl>
      )}
      <p className="muted small-text" data-testid="chain-reading-opened">
        Opened on this peer from version {opened.version} of the device’s dataset (
        {opened.view === 'full' ? 'the full data' : `your ${opened.view}`} you were granted; each
        version read is recorded on chain).
      </p>
    </>
  );
}
