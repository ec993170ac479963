// Small shared pieces: cards, async state, calm "not available yet" notes, copy, QR.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { encode } from 'uqr';
import { isNotReady } from '../bot-client';

export function Card({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="card">
      <div className="card-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/**
 * Set by the shell on navigation: the next page heading to mount takes the focus, unless the
 * person has moved the focus somewhere else meanwhile (opened the More sheet, started typing).
 */
export const headingFocus: { pending: boolean; from: Element | null } = {
  pending: false,
  from: null,
};

/** Whether the focus is still where it was when the navigation started (or nowhere). */
export function focusUnmoved(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || active === headingFocus.from;
}

export function PageTitle({ children, intro }: { children: ReactNode; intro?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!headingFocus.pending) return;
    headingFocus.pending = false;
    if (focusUnmoved()) heading.current?.focus();
  }, []);
  return (
    <div className="page-title">
      <h1 tabIndex={-1} id="page-heading" ref={heading}>
        {children}
      </h1>
      {intro && <p className="muted">{intro}</p>}
    </div>
  );
}

/** A failed call: "not available yet" is a calm note, anything else an alert. */
export function ErrorNote({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  if (isNotReady(error)) {
    return (
      <p className="note" data-testid="not-ready">
        {what ? `${what}: ` : ''}not available yet on this peer. {(error as Error).message}
      </p>
    );
  }
  return (
    <p role="alert" className="error">
      {(error as Error).message ?? String(error)}
    </p>
  );
}

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** A form's action: `run` marks it busy, clears the last error, and keeps a new one. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  run: (work: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

/** Run `load` now and whenever `deps` change; `reload` runs it again. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 2000);
    } catch {
      window.prompt('Copy this text', text);
    }
  }
  return (
    <button
      type="button"
      className="secondary small"
      onClick={() => void copy()}
      aria-label={label}
    >
      {copied ? 'Copied' : 'Copy'}
      <span className="visually-hidden" aria-live="polite">
        {copied ? ' to the clipboard' : ''}
      </span>
    </button>
  );
}

/** A QR code drawn as one SVG path (uqr encodes; nothing leaves the page). */
export function Qr({ text, label, size = 176 }: { text: string; label: string; size?: number }) {
  const { data, size: modules } = encode(text, { ecc: 'M', border: 2 });
  let path = '';
  data.forEach((row, y) =>
    row.forEach((on, x) => {
      if (on) path += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${modules} ${modules}`}
      shapeRendering="crispEdges"
    >
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

export function Pill({
  tone,
  children,
}: {
  tone: 'ok' | 'warn' | 'error' | 'muted';
  children: ReactNode;
}) {
  return <span className={`pill ${tone}`}>{children}</span>;
}

/** A labelled amount typed by a person: the number keypad on a phone, no autofill. */
export function AmountField({
  label,
  value,
  onChange,
  required = true,
  testId,
}: {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  testId?: string;
}) {
  return (
    <label>
      {label}
      <input
        value={value}
        onChange={(e) => onChange(e.target.value)}
        inputMode="numeric"
        autoComplete="off"
        required={required}
        data-testid={testId}
      />
    </label>
  );
}
