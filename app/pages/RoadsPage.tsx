// Road conditions (issue 20): a live map of the bundled road network, each segment coloured by
// the congestion the vehicles of the consortium report (updating as blocks commit), humidity
// warnings, how fresh and how corroborated each report is; and the provider's tools (certify a
// vehicle's trip keys, revoke a vehicle, settle ended windows). No map tiles: an SVG.
import { memo, useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { useAppStore } from '../store/peer-store';
import { Card, CopyButton, ErrorNote, PageTitle, useAction, useAsync } from '../components/ui';
import type { ItsConditionView, ItsNear, ItsNetworkView, ItsProviderView } from '../../worker/api';
import { short } from '../lib/format';
import {
  freshness,
  levelColour,
  levelOf,
  levelWords,
  viewBoxOf,
  warningOf,
  type Level,
} from './its/model';
import { useLiveConditions, useNearConditions } from './its/live';

/** The map: re-rendered when a read changed the conditions (each line only when its level did). */
const RoadMap = memo(function RoadMap({
  network,
  bySegment,
}: {
  network: ItsNetworkView;
  bySegment: Map<string, ItsConditionView>;
}) {
  const viewBox = useMemo(() => viewBoxOf(network), [network]);
  return (
    <svg
      className="its-map"
      viewBox={viewBox}
      role="img"
      aria-label={`Map of ${network.name}: ${bySegment.size} of ${network.segments.length} road segments have reports`}
      data-testid="its-map"
    >
      {network.segments.map((s) => (
        <SegmentLine key={s.id} segment={s} level={levelOf(bySegment.get(s.id))} />
      ))}
    </svg>
  );
});

/** One road segment on the map: re-rendered only when its level changes. */
const SegmentLine = memo(function SegmentLine({
  segment: s,
  level,
}: {
  segment: ItsNetworkView['segments'][number];
  level: Level;
}) {
  return (
    <line
      x1={s.from.x}
      y1={-s.from.y}
      x2={s.to.x}
      y2={-s.to.y}
      stroke={levelColour[level]}
      strokeWidth={level === 'none' ? 14 : 26}
      strokeLinecap="round"
      data-segment={s.id}
      data-level={level}
    >
      <title>{`${s.name} (${s.id}): ${levelWords[level]}`}</title>
    </line>
  );
});

const Legend = memo(function Legend() {
  const levels: Level[] = ['free', 'moderate', 'heavy', 'standstill', 'none'];
  return (
    <ul className="its-legend">
      {levels.map((level) => (
        <li key={level}>
          <span
            className="its-swatch"
            style={{ background: levelColour[level] }}
            aria-hidden="true"
          />
          {levelWords[level]}
        </li>
      ))}
    </ul>
  );
});

/** A provider's name on the page: "your provider" or "you", else its did shortened. */
function providerName(did: string, me: string | undefined, mine: string | null): string {
  if (did === me) return 'you';
  if (did === mine) return `your provider ${short(did, 10)}`;
  return short(did, 10);
}

function Reporters({
  condition,
  me,
  mine,
}: {
  condition: ItsConditionView;
  me: string | undefined;
  mine: string | null;
}) {
  if (condition.reporters.length === 0) return null;
  return (
    <ul className="its-reporters" data-testid={`its-reporters-${condition.segment}`}>
      {condition.reporters.map((r) => (
        <li key={r.provider} data-provider={r.provider} data-trust={r.trust}>
          {r.trips} vehicle{r.trips === 1 ? '' : 's'} of {providerName(r.provider, me, mine)},
          provider trust {r.trust}
        </li>
      ))}
    </ul>
  );
}

function ProviderTrust({
  providers,
  me,
  mine,
}: {
  providers: ItsProviderView[];
  me: string | undefined;
  mine: string | null;
}) {
  if (providers.length === 0) return null;
  return (
    <Card title="Providers and their trust" id="its-trust-title">
      <p className="muted small-text">
        The trust contract scores each provider by its vehicles: observations that agree with the
        others at settlement, against those refused as implausible or found outliers.
      </p>
      <ul className="its-providers" data-testid="its-providers">
        {providers.map((p) => (
          <li key={p.did} data-provider={p.did} data-trust={p.trust}>
            <code title={p.did}>{providerName(p.did, me, mine)}</code>: trust{' '}
            <strong>{p.trust}</strong> ({p.ok} agreeing, {p.bad} refused or outliers)
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** How often the list's "n s ago" words move on their own (between reads of a segment). */
const freshnessStepMs = 5_000;

function ConditionList({
  conditions,
  me,
  mine,
}: {
  conditions: ItsConditionView[];
  me: string | undefined;
  mine: string | null;
}) {
  const now = Math.floor(Date.now() / freshnessStepMs) * freshnessStepMs;
  if (conditions.length === 0)
    return <p className="muted">No vehicle has reported yet. Start a trip on the Drive page.</p>;
  return (
    <ul className="its-conditions" data-testid="its-conditions">
      {conditions.map((c) => (
        <ConditionItem key={c.segment} c={c} me={me} mine={mine} fresh={freshness(c, now)} />
      ))}
    </ul>
  );
}

/**
 * One segment's report: re-rendered when its condition (a new object after a read) or its
 * freshness words change (minutes: not at every time step, which re-rendered every report).
 */
const ConditionItem = memo(function ConditionItem({
  c,
  me,
  mine,
  fresh,
}: {
  c: ItsConditionView;
  me: string | undefined;
  mine: string | null;
  fresh: string;
}) {
  const warning = warningOf(c);
  return (
    <li data-testid={`its-condition-${c.segment}`}>
      <strong>
        {c.name} ({c.segment})
      </strong>
      : {levelWords[levelOf(c)]}, {c.speedMedianKmh ?? '–'} km/h (limit {c.limitKmh}), {c.trips}{' '}
      vehicle{c.trips === 1 ? '' : 's'}
      {c.rejected > 0 ? `, ${c.rejected} rejected` : ''}, {fresh}
      {c.humidityMeanPct !== null ? `, humidity ${c.humidityMeanPct}%` : ''}
      {c.engineRpmMean !== undefined ? `, engines at ${c.engineRpmMean} rpm on average` : ''}
      {c.settled ? ', settled' : ''}
      {c.trustMin !== null ? `, lowest vehicle trust ${c.trustMin}` : ''}
      {warning && (
        <span className="its-warning" role="note">
          {' '}
          {warning}
        </span>
      )}
      <Reporters condition={c} me={me} mine={mine} />
    </li>
  );
});

/** The provider's forms: not re-rendered by the map's reads (onSettled is stable). */
const ProviderTools = memo(function ProviderTools({ onSettled }: { onSettled: () => void }) {
  const [request, setRequest] = useState('');
  const [vehicle, setVehicle] = useState('');
  const [certificates, setCertificates] = useState<string | null>(null);
  const [revokeName, setRevokeName] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function certify(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const result = await bot().itsCertify(request.trim(), vehicle.trim());
      setCertificates(result.certificates);
      setNote(`Certified ${result.trips} trip keys for ${vehicle.trim()}.`);
    });
  }
  function revoke(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const result = await bot().itsRevoke(revokeName.trim());
      setNote(`Revoked ${result.trips} trip keys of ${revokeName.trim()}.`);
    });
  }
  return (
    <Card title="For ITS providers" id="its-provider-title">
      <form className="form" onSubmit={certify}>
        <label>
          Trip key request (from the vehicle’s Drive page)
          <textarea
            value={request}
            onChange={(e) => setRequest(e.target.value)}
            rows={3}
            data-testid="its-request-input"
          />
        </label>
        <label>
          Vehicle name (kept on this peer only)
          <input
            value={vehicle}
            onChange={(e) => setVehicle(e.target.value)}
            maxLength={64}
            autoComplete="off"
          />
        </label>
        <button type="submit" disabled={busy || !request.trim() || !vehicle.trim()}>
          Certify trip keys
        </button>
      </form>
      {certificates && (
        <div className="its-code">
          <p>Certificates for the vehicle: paste them on its Drive page.</p>
          <textarea
            readOnly
            rows={3}
            aria-label="Certificates for the vehicle"
            data-testid="its-certificates"
            value={certificates}
          />
          <CopyButton text={certificates} label="Copy the certificates" />
        </div>
      )}
      <form className="form" onSubmit={revoke}>
        <label>
          Vehicle to revoke
          <input
            value={revokeName}
            onChange={(e) => setRevokeName(e.target.value)}
            maxLength={64}
            autoComplete="off"
          />
        </label>
        <button type="submit" disabled={busy || !revokeName.trim()}>
          Revoke its trips
        </button>
      </form>
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            const { settled } = await bot().itsSettle();
            setNote(
              settled.length
                ? `Settling ${settled.length} window(s): ${settled.map((s) => s.segment).join(', ')}.`
                : 'No ended window with enough vehicles to settle.',
            );
            onSettled();
          })
        }
      >
        Settle ended windows
      </button>
      {note && (
        <p role="status" className="ok" data-testid="its-provider-note">
          {note}
        </p>
      )}
      <ErrorNote error={error} what="The provider action" />
    </Card>
  );
});

/**
 * Where a light peer reads: the phone's position (a light peer reads the segments near it only,
 * each with a proof). null until known; an error when the position is refused.
 */
function usePosition(wanted: boolean): {
  near: ItsNear | null;
  error: string | null;
  locate: () => void;
} {
  const [near, setNear] = useState<ItsNear | null>(null);
  const [error, setError] = useState<string | null>(null);
  const locate = useCallback(() => {
    if (!('geolocation' in navigator)) {
      setError('This browser gives no position: a light peer reads the roads near you only.');
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setError(null);
        setNear({ lat: p.coords.latitude, lon: p.coords.longitude });
      },
      (e) =>
        setError(
          `No position (${e.message || 'refused'}): a light peer reads the road conditions near you only; allow location and try again.`,
        ),
      { enableHighAccuracy: true, maximumAge: 10_000 },
    );
  }, []);
  useEffect(() => {
    if (wanted) locate();
  }, [wanted, locate]);
  return { near, error, locate };
}

export default function RoadsPage() {
  // Only a light peer reads again at each block: a full peer's page does not re-render per block.
  const height = useAppStore((s) => (s.status?.light ? s.status.height : undefined));
  const chainId = useAppStore((s) => s.status?.chainId);
  const light = useAppStore((s) => !!s.status?.light);
  const me = useAppStore((s) => s.identity?.did);
  const network = useAsync(() => bot().itsNetwork(), []);
  const position = usePosition(light);
  // A light peer reads the segments near it, proven, at each block; a full peer reads the whole
  // map once, then only the segments each block touched (its `its` events).
  const nearby = useNearConditions(light ? position.near : null, height);
  const live = useLiveConditions(!light, chainId);
  const conditions = light ? nearby : live;
  // The provider that certified this vehicle's keys (a full peer's Drive figures; none on a light one).
  const drive = useAsync(
    () =>
      light
        ? Promise.resolve(null)
        : bot()
            .itsDrive()
            .catch(() => null),
    [light],
  );
  const mine = drive.data?.provider ?? null;
  const bySegment = useMemo(
    () => new Map((conditions.data?.conditions ?? []).map((c) => [c.segment, c])),
    [conditions.data],
  );
  return (
    <>
      <PageTitle intro="What the vehicles of the consortium report, segment by segment, as blocks commit.">
        Roads
      </PageTitle>
      {light && (
        <div className="card" data-testid="its-light-note">
          <p>
            This phone follows the chain as a light peer: it reads the road conditions near you
            only, each proven against a block header it verified.
            {position.near
              ? ` Around ${position.near.lat.toFixed(4)}, ${position.near.lon.toFixed(4)}.`
              : ''}
          </p>
          <button type="button" className="secondary small" onClick={position.locate}>
            Use my position again
          </button>
          {position.error && <p className="error">{position.error}</p>}
        </div>
      )}
      <Card title={network.data?.name ?? 'Road map'} id="its-map-title">
        {network.data && <RoadMap network={network.data} bySegment={bySegment} />}
        <Legend />
        {conditions.data && (
          <p className="muted small-text" data-testid="its-height">
            {conditions.data.enabled
              ? `Road state at block ${conditions.data.height}; windows of ${conditions.data.windowMs / 1000} s${conditions.data.proven ? `; ${conditions.data.conditions.length} segment(s) near you, each proven` : ''}.`
              : 'This chain has no ITS providers: create one with road conditions on the Chains page.'}
          </p>
        )}
        <ErrorNote error={network.error ?? conditions.error} what="Reading the road state" />
      </Card>
      <Card title="Reports" id="its-reports-title">
        <ConditionList conditions={conditions.data?.conditions ?? []} me={me} mine={mine} />
      </Card>
      <ProviderTrust providers={conditions.data?.providers ?? []} me={me} mine={mine} />
      {light ? (
        <p className="muted">
          Certifying trip keys and settling need the chain&rsquo;s full state: a provider does them
          on its own peer.
        </p>
      ) : (
        <ProviderTools onSettled={conditions.reload} />
      )}
    </>
  );
}
