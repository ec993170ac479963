// Ledger explorer: blocks and transactions; search by tx id, account or key; a block's
// certificate and a key's inclusion proof are checked here in the page.
import { useState, type FormEvent } from 'react';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { useRoute, href, navigate } from '../router';
import { Card, ErrorNote, PageTitle, Pill, useAsync } from '../components/ui';
import { formatTime, preview, short } from '../lib/format';
import { isSealedShut, sealedText } from '../lib/sealed-text';
import { checkBlockInPage, type BlockCheck } from '../lib/verify-block';
import type { BlockView } from '../../worker/api';

const pageSize = 15;
const accountScanBlocksMax = 300;

function SearchForm() {
  const [query, setQuery] = useState('');
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const q = query.trim();
    if (!q) return;
    if (/^[0-9a-f]{64}$/i.test(q)) navigate(href('ledger', 'tx', q.toLowerCase()));
    else if (q.startsWith('did:')) navigate(href('ledger', 'account', q));
    else if (/^#?\d+$/.test(q)) navigate(href('ledger', 'block', q.replace('#', '')));
    else navigate(href('ledger', 'key', q));
  }
  return (
    <form onSubmit={onSubmit} className="form row" role="search" aria-label="Search the ledger">
      <label className="grow">
        Search by transaction id, account (did), key or block height
        <input
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="sensor/kitchen/temp"
          data-testid="ledger-search"
        />
      </label>
      <button type="submit" disabled={!query.trim()}>
        Search
      </button>
    </form>
  );
}

function BlockList() {
  const height = useAppStore((s) => s.status?.height ?? 0);
  const [top, setTop] = useState<number | null>(null);
  const start = top ?? height;
  const blocks = useAsync(async () => {
    const out: BlockView[] = [];
    for (let h = start; h >= Math.max(0, start - pageSize + 1); h--) {
      const b = await bot()
        .block(h)
        .catch(() => null);
      if (b) out.push(b);
    }
    return out;
  }, [start]);
  return (
    <Card
      title="Blocks"
      id="blocks-title"
      actions={
        top !== null && (
          <button type="button" className="secondary small" onClick={() => setTop(null)}>
            Latest
          </button>
        )
      }
    >
      <ErrorNote error={blocks.error} />
      <ol className="blocks" data-testid="blocks">
        {blocks.data?.map((b) => (
          <li key={b.header.height}>
            <a href={href('ledger', 'block', b.header.height)}>
              <span className="height">#{b.header.height}</span>
            </a>{' '}
            <code title={b.hash}>{short(b.hash, 8)}</code>{' '}
            <span className="muted">
              {b.txIds.length} tx · {new Date(b.header.time).toLocaleTimeString()}
            </span>
          </li>
        ))}
      </ol>
      <div className="row">
        <button
          type="button"
          className="secondary small"
          disabled={start - pageSize < 0}
          onClick={() => setTop(Math.max(0, start - pageSize))}
        >
          Older
        </button>
        <button
          type="button"
          className="secondary small"
          disabled={start >= height}
          onClick={() => setTop(Math.min(height, start + pageSize))}
        >
          Newer
        </button>
      </div>
    </Card>
  );
}

function RecentTxs() {
  const txs = useAppStore((s) => s.txs);
  return (
    <Card title="Recent transactions" id="txs-title">
      {txs.length === 0 ? (
        <p className="muted">No transactions seen since this page opened.</p>
      ) : (
        <ul className="plain-list" data-testid="recent-txs">
          {txs.slice(0, 15).map((t) => (
            <li key={t.txId}>
              <a href={href('ledger', 'tx', t.txId)}>
                <code>{short(t.txId, 8)}</code>
              </a>{' '}
              {t.result.status === 'committed' ? (
                <Pill tone="ok">block {t.result.height}</Pill>
              ) : (
                <Pill tone="error">rejected</Pill>
              )}
              {t.result.error && <span className="muted"> {t.result.error.message}</span>}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Verdict({ check }: { check: BlockCheck }) {
  const parts = [
    check.hashOk ? 'header hash recomputed' : 'header hash does not match',
    check.linkOk === null
      ? null
      : check.linkOk
        ? 'links to the block before it'
        : 'does not link to the block before it',
    check.quorumOk === null
      ? 'genesis (fixed by the chain id)'
      : check.quorumOk
        ? `${check.signers} signer(s) hold more than 2/3 of the voting power`
        : 'signers lack a 2/3 quorum',
    check.signaturesOk === null
      ? null
      : check.signaturesOk
        ? 'every commit signature verifies'
        : 'a commit signature does not verify',
  ].filter(Boolean);
  return (
    <p className={check.ok ? 'ok' : 'error'} data-testid="certificate-verdict" role="status">
      {check.ok ? '✓ Certificate verified in this page: ' : '✗ Check failed: '}
      {parts.join('; ')}.
    </p>
  );
}

function BlockDetail({ height }: { height: number }) {
  const result = useAsync(async () => {
    const [view, previous, gov] = await Promise.all([
      bot().block(height),
      height > 0
        ? bot()
            .block(height - 1)
            .catch(() => null)
        : Promise.resolve(null),
      bot()
        .governance()
        .catch(() => null),
    ]);
    if (!view) return null;
    const validators =
      gov?.validators ?? (view.cert?.signers ?? []).map((did) => ({ did, power: 1 }));
    return { view, check: checkBlockInPage(view, validators, previous?.hash) };
  }, [height]);
  return (
    <Card
      title={`Block ${height}`}
      id="block-title"
      actions={
        <a href={href('ledger')} className="button-link">
          All blocks
        </a>
      }
    >
      <ErrorNote error={result.error} />
      {result.data === null && <p>No block at this height yet.</p>}
      {result.data && (
        <>
          <Verdict check={result.data.check} />
          <dl className="facts">
            <dt>Hash</dt>
            <dd>
              <code>{result.data.view.hash}</code>
            </dd>
            <dt>Previous</dt>
            <dd>
              <code>{result.data.view.header.prev}</code>
            </dd>
            <dt>Time</dt>
            <dd>{formatTime(result.data.view.header.time)}</dd>
            <dt>Proposer</dt>
            <dd>
              <code>{short(result.data.view.header.proposer, 12)}</code>
            </dd>
            <dt>State root</dt>
            <dd>
              <code>{result.data.view.header.stateRoot}</code>
            </dd>
            <dt>Tx root</dt>
            <dd>
              <code>{result.data.view.header.txRoot}</code>
            </dd>
            <dt>Certificate</dt>
            <dd>
              {result.data.view.cert
                ? `round ${result.data.view.cert.round}, signed by ${result.data.view.cert.signers.map((s) => short(s, 8)).join(', ')}`
                : 'none (genesis)'}
            </dd>
          </dl>
          <h3>Transactions ({result.data.view.txs.length})</h3>
          <TxTable txs={result.data.view.txs} />
        </>
      )}
    </Card>
  );
}

function TxTable({ txs, highlight }: { txs: BlockView['txs']; highlight?: string }) {
  if (txs.length === 0) return <p className="muted">None.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Tx</th>
            <th scope="col">Type</th>
            <th scope="col">From</th>
            <th scope="col">Nonce</th>
            <th scope="col">Body</th>
          </tr>
        </thead>
        <tbody>
          {txs.map((t) => (
            <tr key={t.txId} className={t.txId === highlight ? 'highlight' : undefined}>
              <td>
                <a href={href('ledger', 'tx', t.txId)}>
                  <code>{short(t.txId, 6)}</code>
                </a>
              </td>
              <td>{t.type}</td>
              <td>
                <a href={href('ledger', 'account', t.from)}>
                  <code>{short(t.from, 8)}</code>
                </a>
              </td>
              <td>{t.nonce}</td>
              <td>
                <code>{preview(t.body, 80)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TxDetail({ txId }: { txId: string }) {
  const result = useAsync(async () => {
    const outcome = await bot()
      .waitFor(txId, { timeoutMs: 0 })
      .catch((e) => ((e as { code?: string }).code === 'TIMEOUT' ? null : Promise.reject(e)));
    if (!outcome) return { outcome: null, block: null };
    const block =
      outcome.status === 'committed' && outcome.height !== undefined
        ? await bot().block(outcome.height)
        : null;
    return { outcome, block };
  }, [txId]);
  const tx = result.data?.block?.txs.find((t) => t.txId === txId);
  return (
    <Card title="Transaction" id="tx-title">
      <p>
        <code>{txId}</code>
      </p>
      <ErrorNote error={result.error} />
      {result.data && !result.data.outcome && (
        <p role="status">
          This peer knows no transaction with this id (it may be pending elsewhere).
        </p>
      )}
      {result.data?.outcome?.status === 'rejected' && (
        <p role="status" className="error">
          Rejected: {result.data.outcome.error?.message}
        </p>
      )}
      {tx && result.data?.block && (
        <div role="status" data-testid="tx-found">
          <p className="ok">
            Committed in{' '}
            <a href={href('ledger', 'block', result.data.block.header.height)}>
              block {result.data.block.header.height}
            </a>
            .
          </p>
          <TxTable txs={[tx]} highlight={txId} />
        </div>
      )}
    </Card>
  );
}

function AccountDetail({ did }: { did: string }) {
  const height = useAppStore((s) => s.status?.height ?? 0);
  const result = useAsync(async () => {
    const found: BlockView['txs'] = [];
    for (let h = height; h >= Math.max(1, height - accountScanBlocksMax + 1); h--) {
      const b = await bot()
        .block(h)
        .catch(() => null);
      if (b) found.push(...b.txs.filter((t) => t.from === did));
    }
    return found;
  }, [did]);
  return (
    <Card title="Account" id="account-title">
      <p>
        <code>{did}</code>
      </p>
      <p className="muted small-text">
        Transactions sent by this account in the last {accountScanBlocksMax} blocks.
      </p>
      <ErrorNote error={result.error} />
      {result.loading && <p className="muted">Scanning…</p>}
      {result.data && (
        <div data-testid="account-txs">
          <TxTable txs={result.data} />
        </div>
      )}
    </Card>
  );
}

function KeyDetail({ keyName }: { keyName: string }) {
  // A light peer (issue 19) proves the current value against a header it verified; it keeps no history.
  const light = useAppStore((s) => !!s.status?.light);
  const result = useAsync(async () => {
    const [current, versions] = await Promise.all([
      bot().get(keyName),
      light ? Promise.resolve([]) : bot().history(keyName),
    ]);
    // Nothing there: the peer proves that too (a light peer checked it against a header it
    // verified), and this page checks the proof again.
    const absence = current ? null : await bot().absenceProof(keyName);
    return {
      current,
      versions,
      verdict: current ? bot().verifyProof(current.proof) : null,
      absence,
      absenceVerdict: absence ? bot().verifyAbsenceProof(absence) : null,
    };
  }, [keyName, light]);
  const current = result.data?.current;
  return (
    <Card title={`Key ${keyName}`} id="key-title">
      <ErrorNote error={result.error} />
      {result.data && !current && (
        <div data-testid="key-absent">
          <p role="status">No value under this key.</p>
          {result.data.absence && (
            <p
              className={result.data.absenceVerdict?.ok ? 'ok' : 'error'}
              data-testid="key-absence-verdict"
            >
              {result.data.absenceVerdict?.ok
                ? `✓ Proof of absence verified in this page: ${result.data.absence.siblings.length} sibling hashes from ${result.data.absence.other ? 'the one other key on its path' : 'an empty branch'} lead to state root ${short(result.data.absence.stateRoot, 8)} of block ${result.data.absence.height}.`
                : '✗ The proof of absence does not verify.'}
            </p>
          )}
        </div>
      )}
      {current && (
        <div data-testid="key-result">
          <p>
            {current.deleted ? (
              <em>Deleted (tombstone)</em>
            ) : current.sealed && !current.sealed.opened ? (
              <em data-testid="key-sealed">🔒 Sealed: {sealedText(current.sealed)}</em>
            ) : (
              <code>{preview(current.value, 200)}</code>
            )}{' '}
            {light ? (
              <>
                · proven at block {current.height}, whose header and certificate this light peer
                verified
              </>
            ) : (
              <>
                · written in{' '}
                <a href={href('ledger', 'block', current.height)}>block {current.height}</a>
              </>
            )}
          </p>
          <p
            className={result.data!.verdict?.ok ? 'ok' : 'error'}
            data-testid="key-proof-verdict"
            role="status"
          >
            {result.data!.verdict?.ok
              ? `✓ Inclusion proof verified in this page: ${current.proof.siblings.length} sibling hashes lead to state root ${short(current.proof.stateRoot, 8)} of block ${current.proof.height}.`
              : '✗ The proof does not verify.'}
          </p>
          {!light && <h3>History</h3>}
          <ol className="plain-list" data-testid="key-history">
            {result.data!.versions.map((v) => (
              <li key={v.txId}>
                block {v.height}:{' '}
                {v.deleted ? (
                  <em>deleted</em>
                ) : isSealedShut(v) ? (
                  <em>🔒 sealed</em>
                ) : (
                  <code>{preview(v.value, 80)}</code>
                )}{' '}
                <a href={href('ledger', 'tx', v.txId)}>tx</a>
              </li>
            ))}
          </ol>
        </div>
      )}
    </Card>
  );
}

export default function LedgerPage() {
  const { rest } = useRoute();
  const light = useAppStore((s) => !!s.status?.light);
  const [kind, arg] = rest;
  let detail = null;
  if (kind === 'block' && arg && /^\d+$/.test(arg)) detail = <BlockDetail height={Number(arg)} />;
  else if (kind === 'tx' && arg) detail = <TxDetail txId={arg} />;
  else if (kind === 'account' && arg) detail = <AccountDetail did={arg} />;
  else if (kind === 'key' && arg) detail = <KeyDetail keyName={arg} />;
  return (
    <>
      <PageTitle intro="Every block this peer holds, checked again here in the page.">
        Ledger
      </PageTitle>
      <SearchForm />
      <div className="grid">
        {detail}
        {light ? (
          <p className="note" data-testid="light-ledger-note">
            This is a light peer: it holds verified headers, not blocks. Look up a key (or your
            account on the Wallet page): its value comes with a Merkle proof checked here.
          </p>
        ) : (
          <>
            <BlockList />
            <RecentTxs />
          </>
        )}
      </div>
    </>
  );
}
