// Cross-chain (issue 18; docs/CROSS-CHAIN.md): this chain's genesis to give another chain, links
// to other chains (contract mode from their genesis, or a trusted relay notary), locking tokens or
// a record for another chain, and every operation with its status on this chain. The steps on
// the other chain are carried by a relay (worker/host/xchain.ts). Phone first.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { useAppStore } from '../store/peer-store';
import { Card, CopyButton, ErrorNote, PageTitle, useAction, useAsync } from '../components/ui';
import { short } from '../lib/format';
import { genesisChainId } from '../../worker/shared/lightclient';
import type { XchainOperationView, XchainOverview } from '../../worker/api';

const chainIdPattern = /^[0-9a-f]{32}$/;

/** A genesis pasted by a person: parsed JSON with a name and validators, or a plain reason. */
export function parseGenesis(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("The genesis must be the JSON copied from the other chain's Cross-chain page.");
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Array.isArray((value as { validators?: unknown }).validators)
  )
    throw new Error('This JSON is not a chain genesis (it has no validators).');
  return value as Record<string, unknown>;
}

function ThisChain({ view }: { view: XchainOverview }) {
  const genesis = JSON.stringify(view.genesis);
  return (
    <Card title="This chain" id="xchain-this-title">
      <p>
        Chain <code data-testid="xchain-chain-id">{view.chainId}</code> at block {view.height}.
      </p>
      <p className="muted">To link this chain from another one, give its validator this genesis.</p>
      <textarea
        readOnly
        value={genesis}
        rows={3}
        aria-label="This chain's genesis"
        data-testid="xchain-genesis"
      />
      <CopyButton text={genesis} label="Copy the genesis" />
    </Card>
  );
}

function Link({ onDone }: { onDone: () => void }) {
  const [mode, setMode] = useState<'contract' | 'relay'>('contract');
  const [genesis, setGenesis] = useState('');
  const [chain, setChain] = useState('');
  const [notary, setNotary] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      let request: Parameters<ReturnType<typeof bot>['xchainLink']>[0];
      if (mode === 'contract') {
        const parsed = parseGenesis(genesis);
        request = { chain: genesisChainId(parsed), mode, genesis: parsed };
      } else {
        if (!chainIdPattern.test(chain.trim()))
          throw new Error('The chain id is 32 hex digits, as the other chain shows it.');
        request = { chain: chain.trim(), mode, notaries: [notary.trim()] };
      }
      const { txId } = await bot().xchainLink(request);
      const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
      if (result.status !== 'committed' || result.error)
        throw new Error(result.error?.message ?? 'The chain refused the link.');
      setDone(`Linked chain ${short(request.chain, 12)} in block ${result.height}.`);
      setGenesis('');
      onDone();
    });
  }
  return (
    <Card title="Link another chain" id="xchain-link-title">
      <form className="form" onSubmit={onSubmit}>
        <label>
          How this chain checks the other
          <select value={mode} onChange={(e) => setMode(e.target.value as 'contract' | 'relay')}>
            <option value="contract">By its own proofs (light client, no trusted party)</option>
            <option value="relay">Through one trusted relay node</option>
          </select>
        </label>
        {mode === 'contract' ? (
          <label>
            The other chain's genesis (JSON)
            <textarea
              value={genesis}
              onChange={(e) => setGenesis(e.target.value)}
              rows={3}
              required
              spellCheck={false}
              data-testid="xchain-link-genesis"
            />
          </label>
        ) : (
          <>
            <label>
              The other chain's id
              <input value={chain} onChange={(e) => setChain(e.target.value)} required />
            </label>
            <label>
              The relay node's did
              <input value={notary} onChange={(e) => setNotary(e.target.value)} required />
            </label>
          </>
        )}
        <button type="submit" disabled={busy} data-testid="xchain-link-button">
          {busy ? 'Linking…' : 'Link'}
        </button>
      </form>
      <ErrorNote error={error} what="Linking" />
      {done && (
        <p role="status" className="ok" data-testid="xchain-link-result">
          {done}
        </p>
      )}
    </Card>
  );
}

function Lock({ view, onDone }: { view: XchainOverview; onDone: () => void }) {
  const [target, setTarget] = useState('');
  const [kind, setKind] = useState<'tokens' | 'record'>('record');
  const [amount, setAmount] = useState('');
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const chosen = target || view.links[0]?.chain || '';
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      let asset: Parameters<ReturnType<typeof bot>['xchainLock']>[0]['asset'];
      if (kind === 'tokens') {
        if (!/^\d+$/.test(amount.trim()) || Number(amount) < 1)
          throw new Error('Type the amount as a whole number of tokens, such as 25.');
        asset = { kind, amount: Number(amount) };
      } else {
        if (!key.trim()) throw new Error('Name the record (its key), such as shared/report.');
        asset = { kind, key: key.trim(), value: value };
      }
      const { txId, id } = await bot().xchainLock({ target: chosen, asset });
      const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
      if (result.status !== 'committed' || result.error)
        throw new Error(result.error?.message ?? 'The chain refused the lock.');
      setDone(`Locked in block ${result.height}: operation ${short(id, 12)}.`);
      onDone();
    });
  }
  if (view.links.length === 0)
    return (
      <Card title="Send to another chain" id="xchain-lock-title">
        <p className="muted">Link another chain first.</p>
      </Card>
    );
  return (
    <Card title="Send to another chain" id="xchain-lock-title">
      <form className="form" onSubmit={onSubmit}>
        <label>
          To chain
          <select value={chosen} onChange={(e) => setTarget(e.target.value)}>
            {view.links.map((l) => (
              <option key={l.chain} value={l.chain}>
                {l.chain}
              </option>
            ))}
          </select>
        </label>
        <label>
          What moves
          <select value={kind} onChange={(e) => setKind(e.target.value as 'tokens' | 'record')}>
            <option value="record">A record</option>
            <option value="tokens">Tokens</option>
          </select>
        </label>
        {kind === 'tokens' ? (
          <label>
            Amount
            <input
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              inputMode="numeric"
              required
            />
          </label>
        ) : (
          <>
            <label>
              Record key
              <input value={key} onChange={(e) => setKey(e.target.value)} required />
            </label>
            <label>
              Record value
              <input value={value} onChange={(e) => setValue(e.target.value)} />
            </label>
          </>
        )}
        <button type="submit" disabled={busy} data-testid="xchain-lock-button">
          {busy ? 'Locking…' : 'Lock and send'}
        </button>
      </form>
      <ErrorNote error={error} what="Locking" />
      {done && (
        <p role="status" className="ok" data-testid="xchain-lock-result">
          {done}
        </p>
      )}
    </Card>
  );
}

const statusWords: Record<XchainOperationView['status'], string> = {
  locked: 'locked, waiting for the other chain',
  finalized: 'done on both chains',
  aborted: 'aborted, returned',
  committed: 'arrived',
  refused: 'refused after its deadline',
};

function Operations({ items }: { items: XchainOperationView[] }) {
  return (
    <Card title="Operations" id="xchain-ops-title">
      {items.length === 0 ? (
        <p className="muted">No cross-chain operations yet.</p>
      ) : (
        <ul className="plain-list" data-testid="xchain-operations">
          {items.map((op) => (
            <li key={`${op.side}-${op.id}`} data-testid="xchain-operation">
              <strong>
                {op.asset.kind === 'tokens'
                  ? `${op.asset.amount} tokens`
                  : op.asset.kind === 'record'
                    ? `record ${op.asset.key}`
                    : `grant of ${short(op.asset.dataset, 8)}`}
              </strong>{' '}
              {op.side === 'out'
                ? `to chain ${short(op.target, 8)}`
                : `from chain ${short(op.source, 8)}`}
              : <span data-testid="xchain-status">{statusWords[op.status]}</span>
              <span className="muted small-text">
                {' '}
                · {short(op.id, 10)} · deadline {op.deadline}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export default function CrossChainPage() {
  const height = useAppStore((s) => s.status?.height);
  const chainId = useAppStore((s) => s.status?.chainId);
  const overview = useAsync(() => bot().xchain(), [height, chainId]);
  const view = overview.data;
  return (
    <>
      <PageTitle intro="Move records and tokens to another chain all or nothing: locked here, committed there, or returned after the deadline.">
        Cross-chain
      </PageTitle>
      <ErrorNote error={overview.error} what="The cross-chain view" />
      {view && (
        <>
          <ThisChain view={view} />
          <Link onDone={overview.reload} />
          <Lock view={view} onDone={overview.reload} />
          <Operations items={view.operations} />
        </>
      )}
    </>
  );
}
