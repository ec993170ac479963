// Devices page logic that is not rendering: sources, value labels, chart geometry, what part of a
// reading goes on chain. Plain functions, tested without React.
import type { DeviceKind, ReadingValue } from '../../devices/transport';
import { kindCapabilities } from '../../devices/transport';
import type { DeviceAccessPolicy, DeviceNotice } from '../../../worker/api';
import { deviceNoticesKeptMax } from '../../../worker/shared/limits';

export type SourceId =
  | 'demo-heart-rate'
  | 'demo-environment'
  | 'demo-car'
  | 'demo-gps'
  | 'demo-washer'
  | 'bt-heart-rate'
  | 'bt-environment'
  | 'bt-washer'
  | 'bt-elm327'
  | 'serial-elm327'
  | 'serial-gps'
  | 'serial-json';

export interface SourceInfo {
  id: SourceId;
  label: string;
  kind: DeviceKind;
  transport: 'demo' | 'bluetooth' | 'serial';
  baudRate?: number;
}

export const sources: readonly SourceInfo[] = [
  { id: 'demo-heart-rate', label: 'Demo: heart-rate strap', kind: 'heart-rate', transport: 'demo' },
  {
    id: 'demo-environment',
    label: 'Demo: environment sensor',
    kind: 'environment',
    transport: 'demo',
  },
  { id: 'demo-car', label: 'Demo: car with ELM327 adapter', kind: 'vehicle', transport: 'demo' },
  { id: 'demo-gps', label: 'Demo: GPS receiver', kind: 'gps', transport: 'demo' },
  { id: 'demo-washer', label: 'Demo: washing machine', kind: 'sensor', transport: 'demo' },
  {
    id: 'bt-heart-rate',
    label: 'Bluetooth heart-rate sensor',
    kind: 'heart-rate',
    transport: 'bluetooth',
  },
  {
    id: 'bt-environment',
    label: 'Bluetooth environment sensor',
    kind: 'environment',
    transport: 'bluetooth',
  },
  { id: 'bt-washer', label: 'Bluetooth washing machine', kind: 'sensor', transport: 'bluetooth' },
  {
    id: 'bt-elm327',
    label: 'Bluetooth ELM327 OBD-II adapter (car)',
    kind: 'vehicle',
    transport: 'bluetooth',
  },
  {
    id: 'serial-elm327',
    label: 'Serial: ELM327 OBD-II adapter (car)',
    kind: 'vehicle',
    transport: 'serial',
    baudRate: 38400,
  },
  {
    id: 'serial-gps',
    label: 'Serial: NMEA GPS receiver',
    kind: 'gps',
    transport: 'serial',
    baudRate: 9600,
  },
  {
    id: 'serial-json',
    label: 'Serial: JSON-lines sensor (Arduino…)',
    kind: 'sensor',
    transport: 'serial',
    baudRate: 115200,
  },
];

export function sourceInfo(id: string): SourceInfo {
  return sources.find((s) => s.id === id) ?? sources[0]!;
}

const units: Record<string, string> = {
  heartRateBpm: 'bpm',
  rrMs: 'ms',
  energyKj: 'kJ',
  temperatureC: '°C',
  humidityPct: '%',
  pressureHpa: 'hPa',
  batteryPct: '%',
  detergentPct: '%',
  speedKmh: 'km/h',
  rpm: 'rpm',
  coolantC: '°C',
  intakeAirC: '°C',
  mafGs: 'g/s',
  throttlePct: '%',
  fuelPct: '%',
  latitude: '°',
  longitude: '°',
  courseDeg: '°',
  altitudeM: 'm',
  hdop: '',
};

const labels: Record<string, string> = {
  heartRateBpm: 'Heart rate',
  rrMs: 'RR interval',
  energyKj: 'Energy',
  contact: 'Skin contact',
  temperatureC: 'Temperature',
  humidityPct: 'Humidity',
  pressureHpa: 'Pressure',
  batteryPct: 'Battery',
  detergentPct: 'Detergent',
  speedKmh: 'Speed',
  rpm: 'Engine speed',
  coolantC: 'Coolant',
  intakeAirC: 'Intake air',
  mafGs: 'Air flow',
  throttlePct: 'Throttle',
  fuelPct: 'Fuel',
  latitude: 'Latitude',
  longitude: 'Longitude',
  courseDeg: 'Course',
  altitudeM: 'Altitude',
  satellites: 'Satellites',
  hdop: 'HDOP',
};

export function valueLabel(name: string): string {
  return labels[name] ?? name;
}

export function formatValue(name: string, value: ReadingValue | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    const digits =
      name === 'latitude' || name === 'longitude'
        ? 5
        : Number.isInteger(value) || Math.abs(value) >= 100
          ? 0
          : 1;
    const unit = units[name];
    return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
  }
  return String(value);
}

/** The capabilities registered for a device of this kind; a JSON sensor registers what it sent. */
export function capabilitiesFor(
  kind: DeviceKind,
  sample: Readonly<Record<string, ReadingValue>> | null,
): string[] {
  if (kind !== 'sensor') return [...kindCapabilities[kind]];
  return Object.keys(sample ?? {}).slice(0, 16);
}

/** The part of a reading the chain accepts for this device: only registered value names. */
export function onChainValues(
  values: Readonly<Record<string, ReadingValue>>,
  capabilities: readonly string[],
): { values: Record<string, ReadingValue>; dropped: string[] } {
  const out: Record<string, ReadingValue> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (capabilities.includes(name)) out[name] = value;
    else dropped.push(name);
  }
  return { values: out, dropped };
}

/** Points of a sparkline in a width x height box; null when fewer than two numbers. */
export function sparkline(
  series: ReadonlyArray<number | null>,
  width = 120,
  height = 32,
): { points: string; min: number; max: number; last: number } | null {
  const numbers = series.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length < 2) return null;
  const min = Math.min(...numbers);
  const max = Math.max(...numbers);
  const span = max - min || 1;
  const step = width / (numbers.length - 1);
  const points = numbers
    .map(
      (v, i) =>
        `${(i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`,
    )
    .join(' ');
  return { points, min, max, last: numbers[numbers.length - 1]! };
}

export function describePolicy(policy: DeviceAccessPolicy): string {
  switch (policy.mode) {
    case 'owner':
      return 'The owner decides each request';
    case 'open':
      return 'Every service is granted';
    case 'closed':
      return 'Every request is denied';
    case 'list':
      return `Granted to ${policy.allow.length} listed peer(s); others wait for the owner`;
  }
}

/** Parse the policy form: mode plus a comma/space/newline separated list of did:keys. */
export function policyFrom(mode: string, allowText: string): DeviceAccessPolicy {
  if (mode === 'open' || mode === 'closed' || mode === 'owner') return { mode };
  const allow = [
    ...new Set(
      allowText
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const bad = allow.find((d) => !/^did:key:z[1-9A-HJ-NP-Za-km-z]{20,60}$/.test(d));
  if (bad) throw new Error(`"${bad.slice(0, 24)}" is not a did:key (did:key:z6Mk…).`);
  return { mode: 'list', allow };
}

export const recordIntervals = [
  { ms: 0, label: 'Every reading' },
  { ms: 5_000, label: 'Every 5 s' },
  { ms: 30_000, label: 'Every 30 s' },
  { ms: -1, label: 'Batches of 30 (fingerprint on chain)' },
] as const;

export const batchSize = 30;

/** The notices list after `notice` arrives: newest first, at most deviceNoticesKeptMax. */
export function keepNotice(list: readonly DeviceNotice[], notice: DeviceNotice): DeviceNotice[] {
  return [notice, ...list.slice(0, deviceNoticesKeptMax - 1)];
}
