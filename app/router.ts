// A tiny hash router: routes survive a reload and work from the service worker's cached
// index.html without server rewrites. '#/ledger/block/12' -> { page: 'ledger', rest: ['block', '12'] }.
import { useSyncExternalStore } from 'react';

export interface Route {
  page: string;
  rest: string[];
}

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { page: parts[0] ?? '', rest: parts.slice(1) };
}

export function href(page: string, ...rest: Array<string | number>): string {
  return `#/${[page, ...rest.map((r) => encodeURIComponent(String(r)))].filter(Boolean).join('/')}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(
    subscribe,
    () => window.location.hash,
    () => '',
  );
  return parseRoute(hash);
}

export function navigate(to: string): void {
  window.location.hash = to.replace(/^#/, '');
}
