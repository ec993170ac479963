// The road map's plain functions (tested without React): a segment's colour and words from its
// condition, the SVG projection of the bundled network, and warnings a driver should see.
import type { ItsConditionView, ItsNetworkView } from '../../../worker/api';

export type Level = 'none' | 'free' | 'moderate' | 'heavy' | 'standstill';

/** The congestion level of a condition: its median if reported, else from the speed against the limit. */
export function levelOf(condition: ItsConditionView | undefined): Level {
  if (!condition || condition.speedMedianKmh === null) return 'none';
  const levels: Level[] = ['free', 'moderate', 'heavy', 'standstill'];
  if (condition.congestionMedian !== null) return levels[condition.congestionMedian] ?? 'none';
  const ratio = condition.speedMedianKmh / condition.limitKmh;
  return ratio >= 0.6 ? 'free' : ratio >= 0.35 ? 'moderate' : ratio >= 0.1 ? 'heavy' : 'standstill';
}

export const levelColour: Record<Level, string> = {
  none: 'var(--its-none, #8a8f98)',
  free: 'var(--its-free, #1a7f37)',
  moderate: 'var(--its-moderate, #b08800)',
  heavy: 'var(--its-heavy, #c2410c)',
  standstill: 'var(--its-standstill, #9f1239)',
};

export const levelWords: Record<Level, string> = {
  none: 'no report',
  free: 'free flow',
  moderate: 'moderate traffic',
  heavy: 'heavy traffic',
  standstill: 'standstill',
};

/** A warning for drivers, or null: wet and near freezing is a risk of ice; very wet a risk of aquaplaning. */
export function warningOf(condition: ItsConditionView | undefined): string | null {
  if (!condition) return null;
  const { humidityMeanPct: humidity, temperatureMeanC: temperature } = condition;
  if (humidity !== null && temperature !== null && humidity >= 80 && temperature <= 3)
    return 'Risk of ice';
  if (humidity !== null && humidity >= 95) return 'Wet road';
  return null;
}

/** The network's bounding box in its plane, with a margin, for the SVG viewBox (y flipped). */
export function viewBoxOf(network: ItsNetworkView, marginM = 60): string {
  const xs = network.segments.flatMap((s) => [s.from.x, s.to.x]);
  const ys = network.segments.flatMap((s) => [s.from.y, s.to.y]);
  const minX = Math.min(...xs) - marginM;
  const maxY = Math.max(...ys) + marginM;
  const width = Math.max(...xs) + marginM - minX;
  const height = maxY - (Math.min(...ys) - marginM);
  return `${minX} ${-maxY} ${width} ${height}`;
}

/** How long ago a window ended, in words. */
export function freshness(condition: ItsConditionView, now: number): string {
  const ago = Math.max(0, Math.round((now - condition.to) / 60_000));
  if (now < condition.to) return 'this window';
  return ago === 0 ? 'just now' : `${ago} min ago`;
}
