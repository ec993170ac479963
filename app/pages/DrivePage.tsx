// Drive mode (issue 20): for a phone in a car mount. Big figures (speed, road segment,
// observations sent and queued, reward earned), one tap to start or stop a trip, the screen
// kept awake where the platform allows (Wake Lock), positions from the Geolocation API fed to
// the peer (map-matched and sealed into observations there), and the chain's verdicts. The speed
// comes from an OBD-II adapter over Web Serial or Web Bluetooth when one is connected
// (./its/obd.ts; its rpm is shown next to it), road
// humidity and temperature from a Bluetooth environmental sensor when present (./its/sensor.ts).
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { useAppStore } from '../store/peer-store';
import { Card, CopyButton, ErrorNote, PageTitle, useAction, useAsync } from '../components/ui';
import type { ItsDriveView } from '../../worker/api';
import { connectRoadSensor, type RoadReading } from './its/sensor';
import {
  connectObd,
  freshObdRpm,
  freshObdSpeed,
  type ObdLink,
  type ObdSpeed,
  type ObdTransport,
} from './its/obd';

type WakeLock = { release(): Promise<void> };

function useTripFeed(
  sensor: { current: (() => Promise<RoadReading>) | null },
  obd: { current: ObdSpeed | null },
  active: boolean,
  onView: (view: ItsDriveView) => void,
  onError: (e: unknown) => void,
) {
  const wake = useRef<WakeLock | null>(null);
  useEffect(() => {
    if (!active || !('geolocation' in navigator)) return;
    const nav = navigator as Navigator & {
      wakeLock?: { request(type: 'screen'): Promise<WakeLock> };
    };
    nav.wakeLock
      ?.request('screen')
      .then((lock) => {
        wake.current = lock;
      })
      .catch(() => undefined); // not granted (battery saver, no focus): the trip goes on
    const watch = navigator.geolocation.watchPosition(
      async (position) => {
        const { latitude, longitude, speed, accuracy } = position.coords;
        // The road sensor's latest values, when one is connected (a failed read: none this time).
        const road = sensor.current ? await sensor.current().catch(() => ({})) : {};
        // The car's own speed (OBD-II) while the adapter's latest reading is fresh, else the GPS's.
        const engine = freshObdSpeed(obd.current, Date.now());
        const rpm = freshObdRpm(obd.current, Date.now());
        const gps = speed !== null && speed >= 0 ? speed * 3.6 : null;
        const speedKmh = engine ?? gps;
        bot()
          .itsReport({
            ...road,
            lat: latitude,
            lon: longitude,
            ...(speedKmh !== null ? { speedKmh } : {}),
            ...(rpm !== null ? { rpm } : {}),
            ...(Number.isFinite(accuracy) ? { accuracyM: accuracy } : {}),
          })
          .then(onView, onError);
      },
      onError,
      { enableHighAccuracy: true, maximumAge: 0 },
    );
    return () => {
      navigator.geolocation.clearWatch(watch);
      void wake.current?.release().catch(() => undefined);
      wake.current = null;
    };
  }, [sensor, obd, active, onView, onError]);
}

function Figures({ view }: { view: ItsDriveView }) {
  return (
    <div className="drive-figures">
      <p className="drive-figure" data-testid="drive-speed">
        <strong>{view.speedKmh ?? '–'}</strong> <span>km/h</span>
      </p>
      <p className="drive-figure" data-testid="drive-segment">
        <strong>{view.segment ? view.segment.name : 'off the map'}</strong>
        <span>{view.segment ? ` ${view.segment.id}, limit ${view.segment.limitKmh}` : ''}</span>
      </p>
      <p className="drive-figure" data-testid="drive-sent">
        <strong>{view.sent}</strong> <span>sent</span> <strong>{view.queued}</strong>{' '}
        <span>queued{view.online ? '' : ' (offline)'}</span>
      </p>
      <p className="drive-figure" data-testid="drive-reward">
        <strong>{view.reward}</strong> <span>{view.symbol ?? 'tokens'} earned</span>
      </p>
    </div>
  );
}

function Verdicts({ view }: { view: ItsDriveView }) {
  if (view.recent.length === 0) return <p className="muted">No observation sent yet.</p>;
  return (
    <ul className="drive-recent" data-testid="drive-recent">
      {view.recent.map((r) => (
        <li key={r.txId} data-status={r.status}>
          {r.segment}: {r.speedKmh} km/h{r.rpm !== null ? `, engine ${r.rpm} rpm` : ''},{' '}
          {r.status === 'rejected' ? `refused as implausible (${r.reason})` : r.status}
          {(r.status === 'not-counted' || r.status === 'failed') && r.reason
            ? ` (${r.reason})`
            : ''}
        </li>
      ))}
    </ul>
  );
}

function TripKeys({ view, onChange }: { view: ItsDriveView; onChange: () => void }) {
  const [request, setRequest] = useState<string | null>(null);
  const [certificates, setCertificates] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function add(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const { certified } = await bot().itsAddCertificates(certificates.trim());
      setNote(`${certified} trip keys certified: ready for ${certified} trips.`);
      setCertificates('');
      onChange();
    });
  }
  return (
    <Card title="Trip keys" id="trip-keys-title">
      <p className="muted">
        Each trip uses a fresh key certified by your ITS provider, so the chain cannot link your
        trips.
        {` ${view.certificatesLeft} certified key(s) left.`}
      </p>
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            setRequest((await bot().itsTripKeys(8)).request);
            onChange();
          })
        }
      >
        Make trip keys
      </button>
      {request && (
        <div className="its-code">
          <p>Give this request to your provider:</p>
          <textarea
            readOnly
            rows={3}
            aria-label="Trip key request to give your provider"
            data-testid="its-request"
            value={request}
          />
          <CopyButton text={request} label="Copy the request" />
        </div>
      )}
      <form className="form" onSubmit={add}>
        <label>
          Certificates from your provider
          <textarea
            value={certificates}
            onChange={(e) => setCertificates(e.target.value)}
            rows={3}
          />
        </label>
        <button type="submit" disabled={busy || !certificates.trim()}>
          Add certificates
        </button>
      </form>
      {note && (
        <p role="status" className="ok">
          {note}
        </p>
      )}
      <ErrorNote error={error} what="Trip keys" />
    </Card>
  );
}

export default function DrivePage() {
  const height = useAppStore((s) => s.status?.height);
  const drive = useAsync(() => bot().itsDrive(), [height]);
  const [live, setLive] = useState<ItsDriveView | null>(null);
  const [feedError, setFeedError] = useState<unknown>(null);
  const { busy, error, run } = useAction();
  const view =
    live && drive.data && live.active === drive.data.active
      ? { ...drive.data, ...live, recent: drive.data.recent, reward: drive.data.reward }
      : drive.data;
  const onView = useCallback((v: ItsDriveView) => setLive(v), []);
  // The newest view wins: a fresh itsDrive() (a new block) replaces the last position's view, or
  // a vehicle standing still would show its queue as it was when it last moved (still offline).
  useEffect(() => {
    if (drive.data) setLive(null);
  }, [drive.data]);
  const onError = useCallback((e: unknown) => setFeedError(e), []);
  const sensor = useRef<(() => Promise<RoadReading>) | null>(null);
  const [sensorNote, setSensorNote] = useState<string | null>(null);
  const obd = useRef<ObdSpeed | null>(null);
  const obdLink = useRef<ObdLink | null>(null);
  const [obdSpeed, setObdSpeed] = useState<number | null>(null);
  const [obdRpm, setObdRpm] = useState<number | null>(null);
  const [obdError, setObdError] = useState<string | null>(null);
  const [obdOn, setObdOn] = useState(false);
  /** The adapter's link when it dropped: reconnecting (the try and the wait) or given up. */
  const [obdLost, setObdLost] = useState<string | null>(null);
  useEffect(
    () => () => {
      void obdLink.current?.stop().catch(() => undefined);
      obdLink.current = null;
    },
    [],
  );
  useTripFeed(sensor, obd, view?.active ?? false, onView, onError);
  return (
    <>
      <PageTitle intro="For a phone in a car mount: your speed and road, and what you report.">
        Drive
      </PageTitle>
      {view && (
        <>
          <Figures view={view} />
          <button
            type="button"
            className="drive-toggle"
            data-testid="drive-toggle"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                setLive(null);
                setFeedError(null);
                await (view.active ? bot().itsStopTrip() : bot().itsStartTrip());
                drive.reload();
              })
            }
          >
            {view.active ? 'Stop trip' : 'Start trip'}
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                sensor.current = await connectRoadSensor();
                setSensorNote(
                  'Road sensor connected: humidity and temperature go with each report.',
                );
              })
            }
          >
            Connect a road sensor (Bluetooth)
          </button>
          {sensorNote && (
            <p role="status" className="ok">
              {sensorNote}
            </p>
          )}
          {(['serial', 'bluetooth'] as const).map((transport: ObdTransport) => (
            <button
              key={transport}
              type="button"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await obdLink.current?.stop().catch(() => undefined);
                  obdLink.current = null;
                  setObdOn(false);
                  setObdError(null);
                  setObdLost(null);
                  obdLink.current = await connectObd(
                    (speed, rpm) => {
                      obd.current = rpm === null ? speed : { ...speed, rpm };
                      setObdSpeed(Math.round(speed.speedKmh));
                      setObdRpm(rpm === null ? null : Math.round(rpm));
                      setObdError(null);
                    },
                    setObdError,
                    transport,
                    (state, message) => {
                      if (state === 'connected') return setObdLost(null);
                      if (state !== 'reconnecting' && state !== 'disconnected') return;
                      if (!message) return;
                      // No engine data now: the trip goes on with the GPS speed at once.
                      obd.current = null;
                      setObdSpeed(null);
                      setObdRpm(null);
                      setObdLost(
                        state === 'reconnecting'
                          ? `OBD-II adapter lost: ${message} The trip goes on with the GPS speed.`
                          : `OBD-II adapter lost: ${message}`,
                      );
                    },
                  );
                  setObdOn(true);
                })
              }
            >
              {transport === 'serial'
                ? 'Connect an OBD-II adapter (Web Serial)'
                : 'Connect an OBD-II adapter (Bluetooth)'}
            </button>
          ))}
          {obdOn && (
            <p className="drive-obd" data-testid="drive-obd">
              OBD-II adapter connected: the speed reported is the car&rsquo;s,{' '}
              <strong>{obdSpeed === null ? '–' : obdSpeed}</strong> km/h and{' '}
              <strong data-testid="drive-rpm">{obdRpm === null ? '–' : obdRpm}</strong> rpm now.
            </p>
          )}
          {obdLost && (
            <p role="status" className="error" data-testid="drive-obd-lost">
              {obdLost}
            </p>
          )}
          {obdError && <p className="error">OBD-II: {obdError}</p>}
          <ErrorNote error={error ?? feedError} what="The trip" />
          {view.lastError && <p className="error">{view.lastError}</p>}
          <Card title="What the chain made of it" id="drive-verdicts-title">
            <Verdicts view={view} />
          </Card>
          <TripKeys view={view} onChange={drive.reload} />
        </>
      )}
      <ErrorNote error={drive.error} what="Reading the trip" />
    </>
  );
}
