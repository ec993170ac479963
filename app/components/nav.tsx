// Navigation for a phone first: four destinations in the bottom bar and a "More" sheet with
// every other page (one tap away); on a desktop both lists stack in the side nav. The status
// strip shows the current chain, its sync state and what waits for this person, from anywhere.
import { useEffect, useRef, useState, type ComponentType } from 'react';
import { href } from '../router';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { chainText, pendingVotes, splitPages, syncText } from '../lib/nav';

export interface NavPage {
  path: string;
  label: string;
  icon: string;
  component: ComponentType;
}

function Icon({ d }: { d: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="22"
      height="22"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={d} />
    </svg>
  );
}

function PageLink({
  page,
  current,
  onPick,
}: {
  page: NavPage;
  current: string;
  onPick: () => void;
}) {
  return (
    <li>
      <a
        href={href(page.path)}
        aria-current={current === page.path ? 'page' : undefined}
        data-testid={`nav-${page.path || 'peer'}`}
        onClick={onPick}
      >
        <Icon d={page.icon} />
        <span>{page.label}</span>
      </a>
    </li>
  );
}

const moreIcon = 'M5 12h.01M12 12h.01M19 12h.01';

export function Nav({ pages, current }: { pages: NavPage[]; current: string }) {
  const { primary, more } = splitPages(pages);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const sheet = useRef<HTMLUListElement>(null);
  const inMore = more.some((p) => p.path === current);
  useEffect(() => setOpen(false), [current]);
  useEffect(() => {
    if (!open) return;
    sheet.current?.querySelector('a')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  const close = () => setOpen(false);
  return (
    <nav className={`nav${open ? ' open' : ''}`} aria-label="Pages">
      <a className="brand" href="#/">
        BoT peer
      </a>
      <ul className="primary">
        {primary.map((p) => (
          <PageLink key={p.path} page={p} current={current} onPick={close} />
        ))}
        <li className="more-item">
          <button
            ref={button}
            type="button"
            className={`more-button${inMore ? ' current' : ''}`}
            aria-expanded={open}
            aria-controls="more-pages"
            data-testid="nav-more"
            onClick={() => setOpen((v) => !v)}
          >
            <Icon d={moreIcon} />
            <span>More</span>
            {inMore && <span className="visually-hidden"> (current page is in this list)</span>}
          </button>
        </li>
      </ul>
      <ul className="more-sheet" id="more-pages" ref={sheet} aria-label="More pages">
        {more.map((p) => (
          <PageLink key={p.path} page={p} current={current} onPick={close} />
        ))}
      </ul>
    </nav>
  );
}

/** Pending votes of this peer, fetched at most every `pendingRefreshMs` as blocks arrive. */
const pendingRefreshMs = 2000;

function usePendingVotes(): number {
  const height = useAppStore((s) => s.status?.height);
  const chainId = useAppStore((s) => s.status?.chainId);
  const did = useAppStore((s) => s.identity?.did);
  const [count, setCount] = useState(0);
  const last = useRef(0);
  useEffect(() => {
    if (height === undefined) return;
    const wait = Math.max(0, last.current + pendingRefreshMs - Date.now());
    const timer = setTimeout(() => {
      last.current = Date.now();
      bot()
        .governance()
        .then(
          (gov) => setCount(pendingVotes(gov, did)),
          () => undefined,
        );
    }, wait);
    return () => clearTimeout(timer);
  }, [height, chainId, did]);
  return count;
}

export function StatusStrip() {
  const status = useAppStore((s) => s.status);
  const sync = useAppStore((s) => s.sync);
  const running = useAppStore((s) => s.running);
  const online = useAppStore((s) => s.online);
  const votes = usePendingVotes();
  const peers = status?.peers ?? 0;
  if (!running)
    return (
      <p className="strip" aria-live="off">
        <span>peer stopped</span>
      </p>
    );
  return (
    <p className="strip" aria-live="off">
      <span data-testid="strip-chain">{chainText(status)}</span>
      <span data-testid="strip-sync" className={online ? undefined : 'pill warn'}>
        {syncText(status, sync, online)}
      </span>
      <span>
        {peers} peer{peers === 1 ? '' : 's'}
      </span>
      {status?.admission === 'waiting' && (
        <a className="pill warn" href={href('governance')}>
          waiting for admission
        </a>
      )}
      {votes > 0 && (
        <a className="pill warn" href={href('governance')} data-testid="strip-votes">
          {votes} vote{votes === 1 ? '' : 's'} waiting for you
        </a>
      )}
    </p>
  );
}
