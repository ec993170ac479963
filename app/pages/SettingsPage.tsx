// Settings: relays, STUN/TURN, identity export/import under a passphrase, theme, reset.
import { useEffect, useState, type FormEvent } from 'react';
import { bot, runtime } from '../runtime';
import { useAppStore } from '../store/peer-store';
import { Card, ErrorNote, PageTitle, useAction, useAsync } from '../components/ui';
import { downloadText } from '../lib/download';
import { applyTheme, savedTheme, type Theme } from '../theme';
import type { Settings } from '../../worker/api';
import { linksMaxDefault, linksMaxMax, linksMaxMin } from '../../worker/shared/limits';

/** One ICE server per line: "stun:host:3478" or "turn:host:3478 username credential". */
export function parseIceLines(text: string): Settings['iceServers'] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [urls, username, credential] = line.split(/\s+/);
      return {
        urls: urls!,
        ...(username ? { username } : {}),
        ...(credential ? { credential } : {}),
      };
    });
}

export function iceLines(servers: Settings['iceServers']): string {
  return servers
    .map((s) =>
      [Array.isArray(s.urls) ? s.urls[0] : s.urls, s.username, s.credential]
        .filter(Boolean)
        .join(' '),
    )
    .join('\n');
}

function restartPeer() {
  runtime.control?.stop();
  runtime.control?.start();
}

function NetworkSettings() {
  const settings = useAsync(() => bot().settings(), []);
  const [relays, setRelays] = useState('');
  const [ice, setIce] = useState('');
  const [links, setLinks] = useState('');
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!settings.data) return;
    setRelays(settings.data.relays.join('\n'));
    setIce(iceLines(settings.data.iceServers));
    setLinks(settings.data.linksMax === undefined ? '' : String(settings.data.linksMax));
  }, [settings.data]);
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await bot().setSettings({
        relays: relays
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
        iceServers: parseIceLines(ice),
        // the peer checks the range (linksMaxMin..linksMaxMax) and says so plainly
        ...(links.trim() === '' ? {} : { linksMax: Number(links.trim()) }),
      });
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Card title="Network" id="net-settings-title">
      <ErrorNote error={settings.error} what="Settings" />
      <form className="form" onSubmit={onSubmit}>
        <label>
          Signaling relays (one WebSocket URL per line)
          <textarea
            value={relays}
            onChange={(e) => setRelays(e.target.value)}
            rows={3}
            placeholder="wss://relay.example.org/signal"
            data-testid="relays-input"
          />
        </label>
        <label>
          STUN/TURN servers (one per line; TURN: url username credential)
          <textarea
            value={ice}
            onChange={(e) => setIce(e.target.value)}
            rows={3}
            placeholder="stun:stun.example.org:3478"
          />
        </label>
        <label>
          Most links to other peers (overlay link limit; empty: {linksMaxDefault})
          <input
            type="number"
            inputMode="numeric"
            min={linksMaxMin}
            max={linksMaxMax}
            value={links}
            onChange={(e) => setLinks(e.target.value)}
            placeholder={String(linksMaxDefault)}
            data-testid="links-max-input"
          />
        </label>
        <button type="submit">Save network settings</button>
      </form>
      {saved && (
        <p role="status" className="ok">
          Saved. New links use these settings.
        </p>
      )}
      <ErrorNote error={error} />
    </Card>
  );
}

function ExportIdentity() {
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [backup, setBackup] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const did = useAppStore((s) => s.identity?.did ?? 'identity');
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (passphrase !== confirm) {
      setError(new Error('The two passphrases differ; type the same one twice.'));
      return;
    }
    setBusy(true);
    try {
      const text = await bot().exportIdentity(passphrase);
      setBackup(text);
      downloadText(`bot-identity-${did.slice(-8)}.json`, text);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Export identity" id="export-title">
      <p className="muted small-text">
        The key is encrypted with your passphrase (scrypt, AES-GCM). Without the passphrase the file
        is useless; keep both safe.
      </p>
      <form className="form" onSubmit={onSubmit}>
        <label>
          Passphrase (at least 8 characters)
          <input
            type="password"
            autoComplete="new-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            minLength={8}
            required
          />
        </label>
        <label>
          Passphrase again
          <input
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            minLength={8}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Encrypting…' : 'Export'}
        </button>
      </form>
      <ErrorNote error={error} />
      {backup && (
        <>
          <p role="status" className="ok">
            Backup created and downloaded.
          </p>
          <label>
            Backup
            <textarea readOnly value={backup} rows={4} data-testid="identity-backup" />
          </label>
        </>
      )}
    </Card>
  );
}

function ImportIdentity() {
  const [backup, setBackup] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [imported, setImported] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  async function onFile(file: File | undefined) {
    if (file) setBackup(await file.text());
  }
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void run(async () => setImported((await bot().importIdentity(backup, passphrase)).did));
  }
  return (
    <Card title="Import identity" id="import-title">
      <form className="form" onSubmit={onSubmit}>
        <label>
          Backup file
          <input
            type="file"
            accept="application/json,.json"
            onChange={(e) => void onFile(e.target.files?.[0])}
          />
        </label>
        <label>
          …or paste the backup
          <textarea value={backup} onChange={(e) => setBackup(e.target.value)} rows={3} />
        </label>
        <label>
          Passphrase
          <input
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy || !backup}>
          {busy ? 'Decrypting…' : 'Import'}
        </button>
      </form>
      <ErrorNote error={error} />
      {imported && (
        <div role="status">
          <p className="ok mono-line">
            Imported <code>{imported}</code>. The peer uses it after a restart.
          </p>
          <button type="button" onClick={restartPeer}>
            Restart the peer now
          </button>
        </div>
      )}
    </Card>
  );
}

function Appearance() {
  const [theme, setTheme] = useState<Theme>(savedTheme());
  return (
    <Card title="Appearance" id="appearance-title">
      <fieldset className="choices">
        <legend>Theme</legend>
        {(['system', 'light', 'dark'] as const).map((t) => (
          <label key={t} className="inline">
            <input
              type="radio"
              name="theme"
              value={t}
              checked={theme === t}
              onChange={() => {
                setTheme(t);
                applyTheme(t);
              }}
            />{' '}
            {t}
          </label>
        ))}
      </fieldset>
    </Card>
  );
}

function Reset() {
  const [confirmText, setConfirmText] = useState('');
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      await bot().reset();
      restartPeer();
      setConfirmText('');
    });
  }
  return (
    <Card title="Reset this peer" id="reset-title">
      <p>
        Wipes this peer’s identity, chains and settings from this browser. Export the identity first
        if you want to keep it.
      </p>
      <form className="form" onSubmit={onSubmit}>
        <label>
          Type <strong>reset</strong> to confirm
          <input value={confirmText} onChange={(e) => setConfirmText(e.target.value)} />
        </label>
        <button type="submit" className="danger" disabled={busy || confirmText !== 'reset'}>
          Reset peer
        </button>
      </form>
      <ErrorNote error={error} />
    </Card>
  );
}

export default function SettingsPage() {
  return (
    <>
      <PageTitle>Settings</PageTitle>
      <div className="grid">
        <NetworkSettings />
        <Appearance />
        <ExportIdentity />
        <ImportIdentity />
        <Reset />
      </div>
    </>
  );
}
