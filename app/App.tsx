// The app shell: hash routes, a responsive nav (bottom bar on phones, side on desktop), the
// update prompt, and the pages (Peer is in the first bundle; the others load when opened).
import { Suspense, lazy, useEffect, useRef, type ComponentType } from 'react';
import { useRoute, href } from './router';
import { useAppStore } from './store/peer-store';
import PeerPage, { TamperAlert } from './pages/PeerPage';
import { PageTitle, focusUnmoved, headingFocus } from './components/ui';
import { applyUpdate } from './pwa';
import { Nav, StatusStrip } from './components/nav';
import { NotifyBell } from './components/notify-bell';
import { lightPeerPages } from './lib/nav';

const devicesModules = import.meta.glob<{ default: ComponentType }>(
  './pages/devices/DevicesPage.tsx',
);
const loadDevices = devicesModules['./pages/devices/DevicesPage.tsx'];

function NotYet() {
  return (
    <>
      <PageTitle>Devices</PageTitle>
      <p className="note" data-testid="not-ready">
        Devices are not available in this build yet.
      </p>
    </>
  );
}

interface PageDef {
  path: string;
  label: string;
  icon: string;
  component: ComponentType;
}

// Icons: 24x24 stroke paths.
export const pages: PageDef[] = [
  {
    path: '',
    label: 'Peer',
    icon: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6',
    component: PeerPage,
  },
  {
    path: 'network',
    label: 'Network',
    icon: 'M12 5v6M5 19l5-6M19 19l-5-6M12 5a2 2 0 1 0 0-.01M5 19a2 2 0 1 0 0-.01M19 19a2 2 0 1 0 0-.01',
    component: lazy(() => import('./pages/NetworkPage')),
  },
  {
    path: 'ledger',
    label: 'Ledger',
    icon: 'M4 5h16v4H4zM4 11h16v4H4zM4 17h16v3H4z',
    component: lazy(() => import('./pages/LedgerPage')),
  },
  {
    path: 'contracts',
    label: 'Contracts',
    icon: 'M8 6l-5 6 5 6M16 6l5 6-5 6M13 4l-2 16',
    component: lazy(() => import('./pages/ContractsPage')),
  },
  {
    path: 'chains',
    label: 'Chains',
    icon: 'M9 15l6-6M7 11l-2 2a3 3 0 0 0 4 4l2-2M17 13l2-2a3 3 0 0 0-4-4l-2 2',
    component: lazy(() => import('./pages/ChainsPage')),
  },
  {
    path: 'governance',
    label: 'Governance',
    icon: 'M4 20h16M6 17V10M10 17V10M14 17V10M18 17V10M3 8l9-5 9 5z',
    component: lazy(() => import('./pages/GovernancePage')),
  },
  {
    path: 'audit',
    label: 'Audit',
    icon: 'M12 3l7 3v6c0 4-3 7-7 9-4-2-7-5-7-9V6zM9 12l2 2 4-4',
    component: lazy(() => import('./pages/AuditPage')),
  },
  {
    path: 'devices',
    label: 'Devices',
    icon: 'M7 4h10v16H7zM11 17h2',
    component: loadDevices ? lazy(loadDevices) : NotYet,
  },
  {
    path: 'data',
    label: 'Data',
    icon: 'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
    component: lazy(() => import('./pages/DataPage')),
  },
  {
    path: 'wallet',
    label: 'Wallet',
    icon: 'M3 7h15a3 3 0 0 1 3 3v7a3 3 0 0 1-3 3H3zM3 7l12-4v4M16 13h2',
    component: lazy(() => import('./pages/WalletPage')),
  },
  {
    path: 'market',
    label: 'Market',
    icon: 'M4 9l2-5h12l2 5M4 9h16v11H4zM4 9a3 3 0 0 0 5 1 3 3 0 0 0 6 0 3 3 0 0 0 5-1M10 20v-5h4v5',
    component: lazy(() => import('./pages/MarketPage')),
  },
  {
    path: 'trace',
    label: 'Trace',
    icon: 'M5 5h4v4H5zM15 5h4v4h-4zM10 15h4v4h-4zM7 9v2h10V9M12 11v4',
    component: lazy(() => import('./pages/TracePage')),
  },
  {
    path: 'xchain',
    label: 'Cross-chain',
    icon: 'M4 8h12l-3-3M20 16H8l3 3M6 12h12',
    component: lazy(() => import('./pages/CrossChainPage')),
  },
  {
    path: 'drive',
    label: 'Drive',
    icon: 'M5 16l2-6h10l2 6M4 16h16v3H4zM7 19v1M17 19v1M8 13h8',
    component: lazy(() => import('./pages/DrivePage')),
  },
  {
    path: 'roads',
    label: 'Roads',
    icon: 'M9 3l-4 18M15 3l4 18M12 5v3M12 11v3M12 17v3',
    component: lazy(() => import('./pages/RoadsPage')),
  },
  {
    path: 'settings',
    label: 'Settings',
    icon: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM4 12h2M18 12h2M12 4v2M12 18v2M6.3 6.3l1.4 1.4M16.3 16.3l1.4 1.4M6.3 17.7l1.4-1.4M16.3 7.7l1.4-1.4',
    component: lazy(() => import('./pages/SettingsPage')),
  },
];

/** Routes outside the nav: an invite link opens #/join/<code>. */
const hiddenPages: PageDef[] = [
  {
    path: 'join',
    label: 'Join a chain',
    icon: '',
    component: lazy(() => import('./pages/JoinPage')),
  },
  {
    path: 'notifications',
    label: 'Notifications',
    icon: '',
    component: lazy(() => import('./pages/NotificationsPage')),
  },
];

function UpdatePrompt() {
  const updateReady = useAppStore((s) => s.updateReady);
  if (!updateReady) return null;
  return (
    <div role="alert" className="banner update" data-testid="update-prompt">
      <span>A new version of the app is ready.</span>
      <button type="button" className="small" onClick={() => void applyUpdate()}>
        Reload to update
      </button>
      <button
        type="button"
        className="secondary small"
        onClick={() => useAppStore.setState({ updateReady: false })}
      >
        Later
      </button>
    </div>
  );
}

/** On a light peer, pages that need the chain's full state say so plainly (issue 19). */
function LightNote({ page }: { page: string }) {
  const status = useAppStore((s) => s.status);
  if (!status?.light || lightPeerPages.has(page)) return null;
  return (
    <p role="note" className="banner" data-testid="light-note">
      This peer follows {status.chainName} as a light peer: it holds verified headers and reads
      values with proofs, but not the chain's full state this page needs. Use the Wallet and Ledger
      pages, or join the chain as a full peer on a computer.
    </p>
  );
}

export function App() {
  const route = useRoute();
  const page = [...pages, ...hiddenPages].find((p) => p.path === route.page) ?? pages[0]!;
  const Page = page.component;
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${page.label} · BoT peer`;
    if (first.current) {
      first.current = false;
      return;
    }
    // Move focus to the new page's heading so screen readers announce the change; a lazy
    // page's heading takes it when it mounts (PageTitle), or else the main region does.
    const heading = document.getElementById('page-heading');
    if (heading && heading.textContent === page.label) {
      heading.focus();
      return;
    }
    headingFocus.pending = true;
    headingFocus.from = document.activeElement;
    const timer = setTimeout(() => {
      if (!headingFocus.pending) return;
      headingFocus.pending = false;
      if (focusUnmoved()) main.current?.focus();
    }, 3000);
    return () => clearTimeout(timer);
  }, [page]);
  return (
    <div className="shell">
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <Nav pages={pages} current={page.path} />
      <div className="content">
        <header className="top">
          <StatusStrip />
          <NotifyBell />
        </header>
        <UpdatePrompt />
        <main id="main" ref={main} tabIndex={-1}>
          <TamperAlert />
          <LightNote page={page.path} />
          <Suspense
            fallback={
              <p className="muted" aria-live="polite">
                Loading…
              </p>
            }
          >
            <Page />
          </Suspense>
        </main>
      </div>
    </div>
  );
}
