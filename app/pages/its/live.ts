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
 * Reads that may take longer than the requests come in (a light peer's proven read, asked again
 * at every block): one at a time; each that finishes is delivered; when it finishes and another
 * request came meanwhile, the latest request is read next (the ones in between are skipped).
 * A reader that read afresh at every request and dropped the one before would deliver nothing
 * while requests come faster than reads finish.
 */
export function latestReader<Q, V>(
  read: (request: Q) => Promise<V>,
  deliver: (outcome: { view: V } | { error: unknown }) => void,
): { request(q: Q): void; stop(): void } {
  let wanted: { q: Q } | null = null;
  let reading = false;
  let live = true;
  const pump = async (): Promise<void> => {
    if (reading || !live || !wanted) return;
    reading = true;
    const { q } = wanted;
    wanted = null;
    try {
      const view = await read(q);
      if (live) deliver({ view });
    } catch (error) {
      if (live) deliver({ error });
    } finally {
      reading = false;
    }
    await pump();
  };
  return {
    request(q) {
      wanted = { q };
      void pump();
    },
    stop() {
      live = false;
    },
  };
}

/**
 * What a light peer's map shows: the conditions near `near`, read again after each new block
 * (`height`) through latestReader. A light read proves each segment (one full peer after
 * another: one that does not answer costs a timeout), so it can take longer than a block.
 */
export function useNearConditions(
  near: ItsNear | null,
  height: number | undefined,
): { data: ItsConditionsView | undefined; error: unknown; reload: () => void } {
  const [state, setState] = useState<{ data: ItsConditionsView | undefined; error: unknown }>({
    data: undefined,
    error: null,
  });
  const reader = useRef<ReturnType<typeof latestReader<ItsNear, ItsConditionsView>> | null>(null);
  useEffect(() => {
    const made = latestReader<ItsNear, ItsConditionsView>(
      (at) => bot().itsConditions(at),
      (outcome) =>
        setState((s) =>
          'view' in outcome ? { data: outcome.view, error: null } : { ...s, error: outcome.error },
        ),
    );
    reader.current = made;
    return () => made.stop();
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new block reads again
  useEffect(() => {
    if (near) reader.current?.request(near);
  }, [near, height]);
  return { ...state, reload: () => near && reader.current?.request(near) };
}
