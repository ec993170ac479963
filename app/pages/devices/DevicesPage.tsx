// Devices (Y.4464 10.6, 10.7): pair a nearby device (Web Bluetooth, Web Serial, or a demo device),
// watch live readings, register it on chain with this peer as its gateway, record its readings
// (signed with the device's own key), set who may read it, and see who asked and when.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { useAppStore } from '../../store/peer-store';
import { Card, ErrorNote, PageTitle, Pill, useAsync } from '../../components/ui';
import { short } from '../../lib/format';
import {
  pairGattSensor,
  startGattSession,
  heartRateProfile,
  environmentProfile,
  washerProfile,
  type BluetoothLike,
} from '../../devices/bluetooth';
import {
  startElm327,
  startJsonSensor,
  startNmea,
  type SerialLike,
  type SerialPortLike,
} from '../../devices/serial';
import { simulatedGattDevice, simulatedSerialPort } from '../../devices/demo';
import { pairBleElm327 } from '../../devices/bleElm';
import type {
  ConnectionState,
  DeviceReading,
  DeviceSession,
  TransportHandlers,
} from '../../devices/transport';
import type { DeviceView, DeviceReadingView } from '../../../worker/api';
import './devices.css';
import { ContractsCard, NoticesCard } from './ContractsCard';
import { OpenedNote, SealedNote } from './SealedReadings';
import { AccessPanel, waitCommitted, when } from './AccessPanel';
import { BlockPanel, BlockPill } from './BlockPanel';
import { ServicesCard } from './ServicesCard';
import { DeviceWalletPanel } from './DeviceWalletPanel';
import { ReorderCard } from './ReorderCard';
import { ShopCard } from './ShopCard';
import {
  batchSize,
  capabilitiesFor,
  formatValue,
  onChainValues,
  policyFrom,
  recordIntervals,
  sourceInfo,
  sources,
  sparkline,
  valueLabel,
  type SourceId,
  type SourceInfo,
} from './model';

const livePointsMax = 120;
const errorsShownMax = 5;

function Sparkline({ name, series }: { name: string; series: ReadonlyArray<number | null> }) {
  const line = sparkline(series);
  if (!line) return null;
  return (
    <svg
      className="spark"
      viewBox="0 0 120 32"
      width="120"
      height="32"
      role="img"
      aria-label={`${valueLabel(name)}: from ${formatValue(name, line.min)} to ${formatValue(name, line.max)}, latest ${formatValue(name, line.last)}`}
    >
      <polyline
        points={line.points}
        fill="none"
        stroke="var(--accent)"
        strokeWidth="1.5"
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}

function ValuesTable({
  names,
  latest,
  history,
  testPrefix,
}: {
  names: string[];
  latest: Record<string, unknown>;
  history: Array<Record<string, unknown>>;
  testPrefix: string;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Value</th>
            <th scope="col">Now</th>
            <th scope="col">Trend</th>
          </tr>
        </thead>
        <tbody>
          {names.map((name) => (
            <tr key={name}>
              <th scope="row">{valueLabel(name)}</th>
              <td data-testid={`${testPrefix}-${name}`}>
                {formatValue(name, latest[name] as never)}
              </td>
              <td>
                <Sparkline
                  name={name}
                  series={history.map((v) =>
                    typeof v[name] === 'number' ? (v[name] as number) : null,
                  )}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---- pairing and the live session ------------------------------------------------------------

function openSource(
  source: SourceInfo,
  handlers: TransportHandlers,
  baudRate: number,
): Promise<DeviceSession> {
  const nav = navigator as Navigator & { bluetooth?: BluetoothLike; serial?: SerialLike };
  switch (source.id) {
    case 'demo-heart-rate':
      return startGattSession(simulatedGattDevice('heart-rate'), heartRateProfile, handlers);
    case 'demo-environment':
      return startGattSession(simulatedGattDevice('environment'), environmentProfile, handlers);
    case 'demo-washer':
      return startGattSession(simulatedGattDevice('washer'), washerProfile, handlers);
    case 'demo-car':
      return startElm327(simulatedSerialPort('elm327'), handlers);
    case 'demo-gps':
      return startNmea(simulatedSerialPort('gps'), handlers);
    // requestDevice/requestPort run first, inside the click: the browser needs the user gesture.
    case 'bt-heart-rate':
      return pairGattSensor(nav.bluetooth, heartRateProfile, handlers);
    case 'bt-environment':
      return pairGattSensor(nav.bluetooth, environmentProfile, handlers);
    case 'bt-washer':
      return pairGattSensor(nav.bluetooth, washerProfile, handlers);
    case 'bt-elm327':
      return pairBleElm327(nav.bluetooth, handlers);
    default: {
      if (!nav.serial)
        return Promise.reject(
          new Error(
            'This browser has no Web Serial. Use Chromium or Chrome on a desktop, or pick a demo device.',
          ),
        );
      const start =
        source.id === 'serial-elm327'
          ? startElm327
          : source.id === 'serial-gps'
            ? startNmea
            : startJsonSensor;
      return nav.serial.requestPort().then(
        (port: SerialPortLike) => start(port, handlers, { baudRate }),
        (error: Error) =>
          Promise.reject(
            new Error(
              error.name === 'NotFoundError'
                ? 'No serial port was chosen. Try again and pick the device in the browser\u2019s list.'
                : error.message,
            ),
          ),
      );
    }
  }
}

interface Live {
  /** One per pairing: handlers of an older session do not touch a newer one. */
  id: number;
  source: SourceInfo;
  label: string;
  state: ConnectionState;
  readings: DeviceReading[];
  errors: Array<{ at: number; message: string }>;
}

function LiveSession({
  live,
  held,
  onStop,
  onRegistered,
}: {
  live: Live;
  held: DeviceView[];
  onStop: () => void;
  onRegistered: () => void;
}) {
  const me = useAppStore((s) => s.identity?.did ?? '');
  const latest = live.readings[live.readings.length - 1] ?? null;
  const [target, setTarget] = useState<string>('');
  const [form, setForm] = useState({
    id: `${live.source.kind}-1`,
    name: live.label,
    policy: 'owner',
  });
  const [recordMs, setRecordMs] = useState<number>(5_000);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [committed, setCommitted] = useState<{ height: number; txId: string } | null>(null);
  const device = held.find((d) => d.did === target) ?? null;
  const matching = held.filter((d) => d.kind === live.source.kind && d.status !== 'retired');
  const lastSent = useRef(0);
  const sending = useRef(false);
  const batch = useRef<Array<{ values: Record<string, unknown>; at: number }>>([]);

  const names = device
    ? device.capabilities
    : capabilitiesFor(live.source.kind, latest?.values ?? null);

  async function register(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const capabilities = capabilitiesFor(live.source.kind, latest?.values ?? null);
      if (capabilities.length === 0)
        throw new Error(
          'Wait for a first reading: a serial sensor is registered with the values it sends.',
        );
      const { did, txId } = await bot().registerDevice({
        id: form.id,
        kind: live.source.kind,
        name: form.name,
        capabilities,
        policy: policyFrom(form.policy, ''),
      });
      setNote('Registering… waiting for the block.');
      const height = await waitCommitted(txId);
      setNote(`Registered in block ${height}. This peer is its gateway and holds its key.`);
      setTarget(did);
      lastSent.current = 0;
      onRegistered();
    } catch (e) {
      setNote(null);
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  // Record readings on chain, signed with the device key, at the chosen pace.
  useEffect(() => {
    if (!device || !latest || sending.current) return;
    const { values, dropped } = onChainValues(latest.values, device.capabilities);
    if (Object.keys(values).length === 0) return;
    if (recordMs === -1) {
      batch.current.push({ values, at: latest.at });
      if (batch.current.length < batchSize) return;
    } else if (latest.at - lastSent.current < recordMs) return;
    sending.current = true;
    lastSent.current = latest.at;
    const samples = batch.current.splice(0);
    const submit =
      recordMs === -1
        ? bot().deviceReadingBatch(device.did, samples as never)
        : bot().deviceReading(device.did, { values, at: latest.at });
    submit
      .then(async ({ txId }) => {
        const height = await waitCommitted(txId);
        setCommitted({ height, txId });
        setError(
          dropped.length
            ? new Error(`Not registered, so not recorded: ${dropped.join(', ')}.`)
            : null,
        );
      })
      .catch((e) => setError(e))
      .finally(() => (sending.current = false));
  }, [device, latest, recordMs]);

  const tone = live.state === 'connected' ? 'ok' : live.state === 'disconnected' ? 'error' : 'warn';
  return (
    <Card
      title={`Paired: ${live.label}`}
      id="live-title"
      actions={
        <button type="button" className="secondary" onClick={onStop}>
          Disconnect
        </button>
      }
    >
      <p>
        <Pill tone={tone}>
          <span data-testid="session-state">{live.state}</span>
        </Pill>{' '}
        <span className="muted small-text">{live.source.label}</span>
      </p>
      {latest ? (
        <ValuesTable
          names={names}
          latest={latest.values}
          history={live.readings.map((r) => r.values)}
          testPrefix="live"
        />
      ) : (
        <p className="muted" aria-live="polite">
          Waiting for the first reading…
        </p>
      )}
      {live.errors.length > 0 && (
        <div role="alert" className="banner error" data-testid="device-error">
          <strong>Device problem:</strong> {live.errors[live.errors.length - 1]!.message}
          {live.errors.length > 1 && (
            <details>
              <summary>Earlier problems</summary>
              <ul>
                {live.errors.slice(0, -1).map((e, i) => (
                  <li key={i}>
                    {new Date(e.at).toLocaleTimeString()}: {e.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
          <p className="small-text">
            Nothing is written on chain from a value that failed to decode.
          </p>
        </div>
      )}
      <h3>On chain</h3>
      {matching.length > 0 && (
        <label>
          Record as
          <select value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">A new device (register it)</option>
            {matching.map((d) => (
              <option key={d.did} value={d.did}>
                {d.name || d.id} · {short(d.did, 8)}
              </option>
            ))}
          </select>
        </label>
      )}
      {!device ? (
        <form className="form" onSubmit={register}>
          <label>
            Device id
            <input
              value={form.id}
              onChange={(e) => setForm({ ...form, id: e.target.value })}
              required
              maxLength={64}
            />
          </label>
          <label>
            Name
            <input
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
              maxLength={64}
            />
          </label>
          <label>
            Who may read it
            <select
              value={form.policy}
              onChange={(e) => setForm({ ...form, policy: e.target.value })}
            >
              <option value="owner">I decide each request</option>
              <option value="open">Any service</option>
              <option value="closed">Nobody else</option>
            </select>
          </label>
          <button type="submit" disabled={busy || !me}>
            Register on chain
          </button>
        </form>
      ) : (
        <div className="form">
          <p className="small-text">
            Device <code title={device.did}>{short(device.did, 10)}</code> · owner{' '}
            {device.owner === me ? 'you' : short(device.owner, 8)}
          </p>
          <label>
            Record readings
            <select value={recordMs} onChange={(e) => setRecordMs(Number(e.target.value))}>
              {recordIntervals.map((r) => (
                <option key={r.ms} value={r.ms}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          {committed && (
            <p role="status" className="ok" data-testid="reading-committed">
              Last reading committed in block {committed.height} (signed by the device key).
            </p>
          )}
        </div>
      )}
      {note && (
        <p role="status" data-testid="register-note">
          {note}
        </p>
      )}
      <ErrorNote error={error} />
    </Card>
  );
}

let pairings = 0;

interface PairProps {
  /** Pairing started: show the session as connecting. */
  onStart(pending: Live): void;
  update(id: number, patch: (l: Live) => Live): void;
  onSession(session: DeviceSession): void;
  onFail(): void;
}

function PairCard({ onStart, update, onSession, onFail }: PairProps) {
  const [sourceId, setSourceId] = useState<SourceId>('demo-heart-rate');
  const source = sourceInfo(sourceId);
  const [baud, setBaud] = useState<number>(source.baudRate ?? 9600);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  function pair() {
    setError(null);
    setBusy(true);
    const id = ++pairings;
    const handlers: TransportHandlers = {
      onReading: (r) =>
        update(id, (l) => ({ ...l, readings: [...l.readings, r].slice(-livePointsMax) })),
      onError: (message) =>
        update(id, (l) => ({
          ...l,
          errors: [...l.errors, { at: Date.now(), message }].slice(-errorsShownMax),
        })),
      onState: (state) => update(id, (l) => ({ ...l, state })),
    };
    // No await before this call: requestDevice/requestPort need the click's user gesture.
    const opening = openSource(source, handlers, baud);
    onStart({ id, source, label: source.label, state: 'connecting', readings: [], errors: [] });
    opening.then(
      (session) => {
        update(id, (l) => ({ ...l, label: session.label }));
        onSession(session);
        setBusy(false);
      },
      (e) => {
        onFail();
        setError(e);
        setBusy(false);
      },
    );
  }

  return (
    <Card title="Pair a device" id="pair-title">
      <div className="form">
        <label>
          Device
          <select
            data-testid="pair-source"
            value={sourceId}
            onChange={(e) => {
              const next = sourceInfo(e.target.value);
              setSourceId(next.id);
              setBaud(next.baudRate ?? 9600);
            }}
          >
            <optgroup label="Demo (no hardware)">
              {sources
                .filter((s) => s.transport === 'demo')
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.label}
                  </option>
                ))}
            </optgroup>
            <optgroup label="Bluetooth">
              {sources
                .filter((s) => s.transport === 'bluetooth')
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.label}
                  </option>
                ))}
            </optgroup>
            <optgroup label="Serial (USB)">
              {sources
                .filter((s) => s.transport === 'serial')
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.label}
                  </option>
                ))}
            </optgroup>
          </select>
        </label>
        {source.transport === 'serial' && (
          <label>
            Baud rate
            <select value={baud} onChange={(e) => setBaud(Number(e.target.value))}>
              {[4800, 9600, 19200, 38400, 57600, 115200].map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" onClick={pair} disabled={busy}>
          {busy ? 'Pairing…' : 'Pair'}
        </button>
        <p className="muted small-text">
          This peer becomes the device's gateway: it keeps a key for the device and signs its
          readings.
        </p>
      </div>
      <ErrorNote error={error} />
    </Card>
  );
}

// ---- devices on chain ---------------------------------------------------------------------------

function DeviceDetail({
  device,
  me,
  tick,
  onChange,
}: {
  device: DeviceView;
  me: string;
  tick: number;
  onChange: () => void;
}) {
  const readings = useAsync(
    () => bot().deviceReadings(device.did, { limit: 60 }),
    [device.did, tick],
  );
  const list: DeviceReadingView[] = readings.data ?? [];
  const latest = list[list.length - 1];
  return (
    <div className="device-detail">
      <dl className="facts">
        <dt>Device key</dt>
        <dd>
          <code title={device.did}>{short(device.did, 12)}</code>
        </dd>
        <dt>Gateway</dt>
        <dd>
          <code title={device.gateway}>
            {device.gateway === me ? 'this peer' : short(device.gateway, 8)}
          </code>
        </dd>
        <dt>Owner</dt>
        <dd>
          <code title={device.owner}>{device.owner === me ? 'you' : short(device.owner, 8)}</code>
        </dd>
        <dt>Registered</dt>
        <dd>block {device.registeredHeight}</dd>
        <dt>Status</dt>
        <dd>
          {device.status}
          {device.statusMessage ? ` — ${device.statusMessage}` : ''}
        </dd>
      </dl>
      <h3>Readings on chain</h3>
      <ErrorNote error={readings.error} what="Readings" />
      {latest ? (
        <>
          {latest.sealed ? (
            <SealedNote device={device} onChange={onChange} />
          ) : latest.opened?.aggregate ? null : (
            <ValuesTable
              names={device.capabilities}
              latest={latest.values}
              history={list.filter((r) => !r.sealed && !r.opened?.aggregate).map((r) => r.values)}
              testPrefix={`chain-${device.id}`}
            />
          )}
          <OpenedNote latest={latest} />
          <p className="muted small-text" data-testid="chain-reading">
            Latest: block {latest.height}, taken {when(latest.at)}
            {latest.batch
              ? `, fingerprint of ${latest.batch.count} samples kept off chain (${latest.batch.digest.slice(0, 12)}…)`
              : ''}
            . Signed by the device key.
          </p>
        </>
      ) : (
        <p className="muted small-text">No readings recorded yet.</p>
      )}
      {device.gateway === me && device.status !== 'retired' && (
        <div className="row">
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void bot()
                .setDeviceStatus(device.did, device.status === 'online' ? 'offline' : 'online')
                .then((r) => waitCommitted(r.txId))
                .then(onChange)
            }
          >
            Mark {device.status === 'online' ? 'offline' : 'online'}
          </button>
        </div>
      )}
      {device.owner === me && device.status !== 'retired' && (
        <DeviceWalletPanel device={device} tick={tick} onChange={onChange} />
      )}
      <BlockPanel device={device} me={me} onChange={onChange} />
      <AccessPanel device={device} me={me} tick={tick} onChange={onChange} />
    </div>
  );
}

function ChainDevices({ tick, onChange }: { tick: number; onChange: () => void }) {
  const me = useAppStore((s) => s.identity?.did ?? '');
  const devices = useAsync(() => bot().devices(), [tick]);
  const [open, setOpen] = useState<string | null>(null);
  const list = devices.data ?? [];
  const announced = useRef<number>(0);
  return (
    <Card title="Devices on this chain" id="chain-devices-title">
      <ErrorNote error={devices.error} what="Devices" />
      {list.length === 0 && !devices.loading && (
        <p className="muted">
          No devices are registered on this chain yet. Pair one and register it.
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {list.length !== announced.current
          ? `${(announced.current = list.length)} devices on this chain`
          : ''}
      </p>
      <ul className="blocks" data-testid="device-list">
        {list.map((d) => (
          <li key={d.did} data-testid="device-row">
            <button
              type="button"
              className="link-like"
              aria-expanded={open === d.did}
              onClick={() => setOpen(open === d.did ? null : d.did)}
            >
              <strong>{d.name || d.id}</strong>
            </button>{' '}
            <Pill tone={d.status === 'online' ? 'ok' : d.status === 'retired' ? 'error' : 'muted'}>
              {d.status}
            </Pill>{' '}
            <BlockPill device={d} />{' '}
            <span className="muted small-text">
              {d.kind}
              {d.held ? ' · gateway: this peer' : ''}
              {d.latest
                ? ` · ${Object.entries(d.latest.values)
                    .slice(0, 2)
                    .map(([k, v]) => formatValue(k, v))
                    .join(', ')} (block ${d.latest.height})`
                : ''}
            </span>
            {open === d.did && <DeviceDetail device={d} me={me} tick={tick} onChange={onChange} />}
          </li>
        ))}
      </ul>
    </Card>
  );
}

export default function DevicesPage() {
  const height = useAppStore((s) => s.blocks[0]?.height ?? s.status?.height ?? 0);
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState<Live | null>(null);
  const session = useRef<DeviceSession | null>(null);
  const held = useAsync(
    () =>
      bot()
        .devices()
        .then((all) => all.filter((d) => d.held)),
    [tick],
  );
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  // Every new block may carry readings, registrations or decisions: refresh the chain views.
  useEffect(() => refresh(), [height, refresh]);
  useEffect(() => () => void session.current?.stop(), []);

  const update = useCallback(
    (id: number, patch: (l: Live) => Live) => setLive((l) => (l && l.id === id ? patch(l) : l)),
    [],
  );
  const stop = () => {
    void session.current?.stop();
    session.current = null;
    setLive(null);
  };
  const onStart = (pending: Live) => {
    void session.current?.stop();
    session.current = null;
    setLive(pending);
  };

  return (
    <>
      <PageTitle intro="Sensors, vehicles and GPS receivers near this device join the chain through this peer, which keeps their keys and signs their readings.">
        Devices
      </PageTitle>
      <div className="grid">
        <PairCard
          onStart={onStart}
          update={update}
          onSession={(s) => (session.current = s)}
          onFail={() => setLive(null)}
        />
        {live && (
          <LiveSession
            key={live.id}
            live={live}
            held={held.data ?? []}
            onStop={stop}
            onRegistered={refresh}
          />
        )}
        <ChainDevices tick={tick} onChange={refresh} />
        <NoticesCard onNotice={refresh} />
        <ReorderCard tick={tick} held={held.data ?? []} />
        <ShopCard tick={tick} held={held.data ?? []} onChange={refresh} />
        <ContractsCard tick={tick} held={held.data ?? []} onChange={refresh} />
        <ServicesCard tick={tick} held={held.data ?? []} onChange={refresh} />
      </div>
    </>
  );
}
