// Wallet (issue 16): this peer's balance on the current chain (checked here against the state
// root with its Merkle proof), send to a did typed or scanned from a QR code, receive (my did as
// a QR code), and the history of my token movements. Phone first.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { useAppStore } from '../store/peer-store';
import { Card, CopyButton, ErrorNote, PageTitle, Qr, useAction, useAsync } from '../components/ui';
import { QrScanner } from '../components/qr-scanner';
import { parseAmount, short } from '../lib/format';
import { checkBalanceProof } from '../../worker/shared/proof';
import type { BalanceView, MultisigView, TokenMovementView } from '../../worker/api';
import { ApprovalsCard } from './ApprovalsCard';
import { commitOrThrow } from '../lib/commit';
import { StakeCard } from './StakeCard';

const didPattern = /did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}/;

/** The did in a scanned text (a bare did, or a link or note holding one), or null. */
export function didIn(text: string): string | null {
  return didPattern.exec(text)?.[0] ?? null;
}

export { parseAmount } from '../lib/format';

function Balance({ view }: { view: BalanceView }) {
  const verified = view.proof ? checkBalanceProof(view.proof) : null;
  return (
    <Card title="Balance" id="balance-title">
      <p className="wallet-balance" data-testid="wallet-balance">
        <strong>{view.balance.toLocaleString('en')}</strong> {view.symbol}
      </p>
      <p className="muted small-text" data-testid="balance-proof">
        {verified === null
          ? 'Nothing was ever sent to you on this chain.'
          : verified.ok && verified.balance === view.balance
            ? `Checked on this device against the state root of block ${view.proof!.height}.`
            : 'The proof of this balance does not check out: do not trust it.'}
        {view.fee > 0 ? ` Each transfer costs a fee of ${view.fee} ${view.symbol}.` : ''}
      </p>
    </Card>
  );
}

/** Whether the chain's multisig rule holds a transfer of `amount` for signatures. */
function held(multisig: MultisigView | undefined, amount: number): boolean {
  return (
    multisig?.policy?.types.some(
      (r) => r.type === 'token.transfer' && (r.amountOver === undefined || amount > r.amountOver),
    ) ?? false
  );
}

function Send({
  view,
  multisig,
  onSent,
}: {
  view: BalanceView;
  multisig?: MultisigView;
  onSent: () => void;
}) {
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [scan, setScan] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      const value = parseAmount(amount);
      const recipient = to.trim();
      const body = { to: recipient, amount: value, ...(memo.trim() ? { memo: memo.trim() } : {}) };
      const proposing = held(multisig, value);
      const height = await commitOrThrow(
        proposing ? bot().proposeMultisig({ type: 'token.transfer', body }) : bot().transfer(body),
        'The chain refused the transfer.',
      );
      setDone(
        proposing
          ? `Proposed sending ${value} ${view.symbol} to ${short(recipient, 12)}: it waits for ${multisig!.policy!.k} signatures under Approvals.`
          : `Sent ${value} ${view.symbol} to ${short(recipient, 12)} in block ${height}.`,
      );
      setAmount('');
      setMemo('');
      onSent();
    });
  }
  return (
    <Card title="Send" id="send-title">
      <form className="form" onSubmit={onSubmit}>
        <label>
          Recipient (did:key)
          <input
            value={to}
            onChange={(e) => setTo(e.target.value)}
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="did:key:z6Mk…"
            data-testid="send-to"
          />
        </label>
        <button type="button" className="secondary" onClick={() => setScan((s) => !s)}>
          {scan ? 'Close the scanner' : 'Scan a QR code'}
        </button>
        {scan && (
          <QrScanner
            hint="Point the camera at the recipient’s Receive code."
            onText={(text) => {
              const did = didIn(text);
              if (!did) return 'This QR code holds no did:key; ask for the Receive code.';
              setTo(did);
              setScan(false);
              return null;
            }}
          />
        )}
        <label>
          Amount ({view.symbol})
          <input
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            required
            inputMode="numeric"
            autoComplete="off"
            data-testid="send-amount"
          />
        </label>
        <label>
          Note (optional)
          <input value={memo} onChange={(e) => setMemo(e.target.value)} maxLength={100} />
        </label>
        <button type="submit" disabled={busy || !to || !amount} data-testid="send-button">
          {busy ? 'Sending…' : 'Send'}
        </button>
      </form>
      <ErrorNote error={error} what="Sending" />
      {done && (
        <p role="status" className="ok" data-testid="send-result">
          {done}
        </p>
      )}
    </Card>
  );
}

function Receive({ did }: { did: string }) {
  return (
    <Card title="Receive" id="receive-title">
      <p className="muted">Show this code, or share your did, to be paid.</p>
      <Qr text={did} label="QR code of your did, to be paid" />
      <p className="row">
        <code data-testid="my-did" title={did}>
          {short(did, 14)}
        </code>
        <CopyButton text={did} label="Copy your did" />
      </p>
    </Card>
  );
}

const words: Record<TokenMovementView['dir'], string> = {
  in: 'Received',
  out: 'Sent',
  mint: 'Minted',
  fee: 'Fee earned',
};

function History({ items, symbol }: { items: TokenMovementView[]; symbol: string }) {
  return (
    <Card title="History" id="history-title">
      {items.length === 0 ? (
        <p className="muted">No movements yet.</p>
      ) : (
        <ul className="plain-list" data-testid="wallet-history">
          {items.map((m) => (
            <li key={`${m.txId}-${m.dir}`} data-testid="wallet-movement">
              <strong>
                {words[m.dir]} {m.amount} {symbol}
              </strong>{' '}
              {m.with && (
                <>
                  {m.dir === 'in' || m.dir === 'fee' ? 'from' : 'to'}{' '}
                  <code title={m.with}>{short(m.with, 10)}</code>
                </>
              )}
              {m.fee ? ` (fee ${m.fee})` : ''}
              {m.memo ? ` · “${m.memo}”` : ''}
              <span className="muted small-text"> · block {m.height}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export default function WalletPage() {
  const height = useAppStore((s) => s.status?.height);
  const chainId = useAppStore((s) => s.status?.chainId);
  const did = useAppStore((s) => s.identity?.did);
  // A light peer (issue 19) proves balances but holds no history, multisig or staking state.
  const light = useAppStore((s) => !!s.status?.light);
  const balance = useAsync(() => bot().balance(), [height, chainId]);
  const history = useAsync(
    () => (light ? Promise.resolve(null) : bot().tokenHistory(undefined, { limit: 50 })),
    [height, chainId, light],
  );
  const multisig = useAsync(
    () => (light ? Promise.resolve(undefined) : bot().multisig()),
    [height, chainId, light],
  );
  const staking = useAsync(
    () => (light ? Promise.resolve(undefined) : bot().staking()),
    [height, chainId, light],
  );
  const view = balance.data;
  const reload = () => {
    balance.reload();
    history.reload();
    multisig.reload();
    staking.reload();
  };
  return (
    <>
      <PageTitle intro="The tokens of the current chain: your balance, sending, receiving and history.">
        Wallet
      </PageTitle>
      <ErrorNote error={balance.error} what="The balance" />
      {view && view.symbol === null && (
        <p className="note" data-testid="no-token">
          This chain has no token: its genesis allocates none. Create a chain with a token on the
          Chains page.
        </p>
      )}
      {view && view.symbol !== null && (
        <>
          <Balance view={view} />
          <Send view={view} multisig={multisig.data} onSent={reload} />
          {multisig.data?.policy && <ApprovalsCard view={multisig.data} me={did} onDone={reload} />}
          {staking.data?.enabled && <StakeCard view={staking.data} onDone={reload} />}
          {did && <Receive did={did} />}
          <ErrorNote error={history.error} what="The history" />
          {history.data && <History items={history.data} symbol={view.symbol} />}
          {light && (
            <p className="note" data-testid="light-wallet-note">
              This is a light peer: its balance is checked with a proof against a header it
              verified, and its transfers are reported committed once a full peer proves them in a
              certified block. It keeps no history of movements.
            </p>
          )}
        </>
      )}
    </>
  );
}
