// The Roads page's live road state on a full peer (issue 20): one whole read when the page opens,
// then, at each `its` event (a committed block with observations or settlements), a read of the
// segments that block touched only, merged into what the page holds. Untouched conditions keep
// their objects, so the map and the list re-render only the segments that changed.
import { useCallback, useEffect, useRef, useState } from 'react';
import { bot } from '../../runtime';
import type { ItsConditionsView, ItsNear } from '../../../worker/api';
import { itsSegmentsReadMax } from '../../../worker/shared/limits';

/** `next` (a read of `next.segments` only) merged into `prev`; a whole read replaces it. */
export function mergeConditions(
  prev: ItsConditionsView | undefined,
  next: ItsConditionsView,
): ItsConditionsView {
  const { segments, ...view } = next;
  if (!prev || !segments) return view;
  const named = new Set(segments);
  const conditions = prev.conditions
    .filter((c) => !named.has(c.segment))
    .concat(next.conditions)
    .sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0));
  return { ...view, height: Math.max(prev.height, next.height), conditions };
}

/** What the map shows, kept current by `its` events (enabled: a full peer; a light one reads near it). */
export function useLiveConditions(
  enabled: boolean,
  chainId: string | undefined,
): { data: ItsConditionsView | undefined; error: unknown; reload: () => void } {
  const [state, setState] = useState<{ data: ItsConditionsView | undefined; error: unknown }>({
    data: undefined,
    error: null,
  });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick re-reads everything (reload)
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    let reading = false;
    let whole = true; // the first read, and the one after a failed read
    const pending = new Set<string>();
    const pump = async (): Promise<void> => {
      if (reading || !live || (!whole && pending.size === 0)) return;
      reading = true;
      const all = whole || pending.size > itsSegmentsReadMax;
      const segments = [...pending];
      pending.clear();
      whole = false;
      try {
        const view = all ? await bot().itsConditions() : await bot().itsConditions(null, segments);
        if (live)
          setState((s) => ({ data: mergeConditions(all ? undefined : s.data, view), error: null }));
      } catch (error) {
        whole = true;
        if (live) setState((s) => ({ ...s, error }));
        return;
      } finally {
        reading = false;
      }
      await pump();
    };
    const off = bot().on('its', (e) => {
      if (e.chain !== undefined && chainId !== undefined && e.chain !== chainId) return;
      for (const segment of e.segments) pending.add(segment);
      void pump();
    });
    void pump();
    return () => {
      live = false;
      off();
    };
  }, [enabled, chainId, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/**
 * What a light peer's map shows: the conditions near `near`, read again after each new block
 * (`height`), one read at a time. A light read proves each segment (one full peer after another:
 * one that does not answer costs a timeout), so it can take longer than a block; a read started
 * for every block and dropped at the next would never land. Each finished read shows, and the
 * next starts when the height moved meanwhile.
 */
export function useNearConditions(
  near: ItsNear | null,
  height: number | undefined,
): { data: ItsConditionsView | undefined; error: unknown; reload: () => void } {
  const [state, setState] = useState<{ data: ItsConditionsView | undefined; error: unknown }>({
    data: undefined,
    error: null,
  });
  const latest = useRef({ near, height, reading: false, live: true });
  latest.current.near = near;
  latest.current.height = height;
  const read = useCallback(async () => {
    const at = latest.current;
    if (at.reading || !at.near) return;
    at.reading = true;
    const asked = { near: at.near, height: at.height };
    try {
      const view = await bot().itsConditions(asked.near);
      if (at.live) setState({ data: view, error: null });
    } catch (error) {
      if (at.live) setState((s) => ({ ...s, error }));
    } finally {
      at.reading = false;
    }
    if (at.live && (at.near !== asked.near || at.height !== asked.height)) void read();
  }, []);
  useEffect(() => {
    latest.current.live = true;
    return () => {
      latest.current.live = false;
    };
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new block or position reads again
  useEffect(() => {
    void read();
  }, [near, height, read]);
  return { ...state, reload: () => void read() };
}
