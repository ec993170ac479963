// Chains: the chains this peer holds (switch), create a chain, invite (link + QR), join (paste a
// link, or scan its QR code with the camera or from an image).
import { useState, type FormEvent } from 'react';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { navigate, useRoute } from '../router';
import { inviteCodeFrom, joinRoute } from '../lib/join';
import {
  Card,
  CopyButton,
  ErrorNote,
  PageTitle,
  Pill,
  Qr,
  useAction,
  useAsync,
} from '../components/ui';
import { short } from '../lib/format';
import { QrScanner } from '../components/qr-scanner';
import type { CreateChainRequest } from '../../worker/api';

function HeldChains() {
  const chainId = useAppStore((s) => s.status?.chainId);
  const live = useAppStore((s) => s.chainLive);
  // The list is read again when a chain starts, stops or is switched to; heights, peers and
  // sync state follow each chain's events (chainLive) in between.
  const known = Object.keys(live).sort().join(' ');
  const chains = useAsync(() => bot().chains(), [chainId, known]);
  const [error, setError] = useState<unknown>(null);
  const [leaving, setLeaving] = useState<string | null>(null);
  const [keepData, setKeepData] = useState(true);
  const [left, setLeft] = useState<string | null>(null);
  async function leave(id: string, name: string) {
    setError(null);
    try {
      const result = await bot().leaveChain(id, { keepData });
      setLeaving(null);
      setLeft(
        `Left ${name}: ${result.keptData ? 'its data stays on this device; run it again from this list.' : 'its data was deleted from this device.'}`,
      );
      const status = await bot().status();
      useAppStore.setState({ status, activeChain: status.chainId, blocks: [] });
      chains.reload();
    } catch (e) {
      setError(e);
    }
  }
  async function use(id: string) {
    setError(null);
    try {
      const status = await bot().useChain(id);
      useAppStore.setState({ status, activeChain: status.chainId, blocks: [] });
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Card title="Chains on this peer" id="held-title">
      <p className="muted small-text">
        Every running chain commits, syncs and stores at the same time; the pages show the active
        one.
      </p>
      <ErrorNote error={chains.error} what="The chain list" />
      <ErrorNote error={error} what="Switching or leaving chains" />
      {left && (
        <p role="status" className="ok" data-testid="chain-left">
          {left}
        </p>
      )}
      <ul className="plain-list chain-grid" data-testid="chains">
        {chains.data?.map((c) => {
          const now = { ...c, ...live[c.chainId] };
          return (
            <li
              key={c.chainId}
              className="chain-row"
              data-testid={`chain-${c.chainId}`}
              data-chain-name={c.name}
              aria-current={c.chainId === chainId ? 'true' : undefined}
            >
              <div>
                <strong>{c.name}</strong> {c.chainId === chainId && <Pill tone="ok">active</Pill>}{' '}
                {c.running === false ? (
                  <Pill tone="warn">{c.fault ? 'stopped' : c.left ? 'left' : 'not running'}</Pill>
                ) : now.syncing ? (
                  <Pill tone="warn">syncing</Pill>
                ) : null}
                {c.fault && <Pill tone="error">fault</Pill>}
                <div className="muted small-text">
                  <code>{short(c.chainId, 8)}</code> · {c.mode} · {c.consensus} · {c.role}
                </div>
                <div className="small-text">
                  height <strong data-testid="chain-height">{now.height}</strong>
                  {c.running !== false && now.peers !== undefined && <> · {now.peers} peer(s)</>}
                </div>
                {c.fault && <div className="error small-text">{c.fault}</div>}
              </div>
              {c.chainId !== chainId && c.running !== false && (
                <button
                  type="button"
                  className="secondary small"
                  onClick={() => void use(c.chainId)}
                >
                  Switch to {c.name}
                </button>
              )}
              {c.chainId !== chainId && c.running === false && !c.fault && (
                <button
                  type="button"
                  className="secondary small"
                  onClick={() => void use(c.chainId)}
                >
                  {c.left
                    ? `Run ${c.name} again`
                    : `Run ${c.name} (in place of the first slot's chain)`}
                </button>
              )}
              {!c.first && (c.running !== false || c.fault) && leaving !== c.chainId && (
                <button
                  type="button"
                  className="secondary small"
                  onClick={() => {
                    setLeaving(c.chainId);
                    setKeepData(true);
                  }}
                >
                  Leave {c.name}…
                </button>
              )}
              {leaving === c.chainId && (
                <fieldset className="confirm" data-testid="leave-confirm">
                  <legend>
                    Leave {c.name}? This peer stops running it: no blocks, sync or relaying for it.
                  </legend>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={keepData}
                      onChange={(e) => setKeepData(e.target.checked)}
                    />{' '}
                    Keep its data on this device
                  </label>
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => void leave(c.chainId, c.name)}
                  >
                    Leave {c.name}
                  </button>{' '}
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => setLeaving(null)}
                  >
                    Cancel
                  </button>
                </fieldset>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}

/** What each mode means, in one sentence (Y.4464 Appendix I). */
export const modeMeaning: Record<CreateChainRequest['mode'], string> = {
  private:
    'Private: one organization runs it; its administrator (you, or k of n named keys) admits members and decides who deploys, writes and reads, without votes.',
  consortium:
    'Consortium: several organizations; the validators vote members in and decide their rights together.',
  public:
    'Public: anyone joins and writes; with staking, anyone who bonds tokens can become a validator, with voting power by stake, and a validator caught signing twice loses part of its stake.',
};

function CreateChain() {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<CreateChainRequest['mode']>('private');
  const [consensus, setConsensus] = useState<CreateChainRequest['consensus']>('poa');
  const [validators, setValidators] = useState('');
  const [emptyEvery, setEmptyEvery] = useState('');
  // A native token (issue 16): a symbol, and this peer's balance at genesis.
  const [symbol, setSymbol] = useState('');
  const [startBalance, setStartBalance] = useState('1000');
  // Validators by stake (issue 16, public mode): epoch and unbonding in blocks, this peer's bond.
  const [staking, setStaking] = useState(true);
  // Private mode: this peer administers the chain, alone or with co-administrators (k of n).
  const [administer, setAdminister] = useState(true);
  const [coAdmins, setCoAdmins] = useState('');
  const [adminK, setAdminK] = useState('2');
  const [epochBlocks, setEpochBlocks] = useState('10');
  const [unbondingBlocks, setUnbondingBlocks] = useState('20');
  const [genesisBond, setGenesisBond] = useState('100');
  // Road conditions (issue 20): this peer as the consortium's first ITS provider.
  const [its, setIts] = useState(false);
  const [itsWindow, setItsWindow] = useState('60');
  const [itsReward, setItsReward] = useState('5');
  const [itsCorroboration, setItsCorroboration] = useState('2');
  // The consortium's other providers (each certifies its own vehicles, from its own peer).
  const [itsOthers, setItsOthers] = useState('');
  const me = useAppStore((s) => s.identity?.did);
  const [result, setResult] = useState<{ chainId: string; invite: string } | null>(null);
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const list = validators
        .split(/[\s,]+/)
        .map((v) => v.trim())
        .filter(Boolean);
      const amount = Number(startBalance.trim());
      const windowS = Number(itsWindow.trim());
      const reward = Number(itsReward.trim());
      if (its && (!Number.isInteger(windowS) || windowS < 1 || windowS > 3600))
        throw new Error('The observation window is a whole number of seconds from 1 to 3600.');
      if (its && (!Number.isInteger(reward) || reward < 0))
        throw new Error('The reward is a whole number of tokens, 0 or more.');
      const corroborationMin = Number(itsCorroboration.trim());
      if (
        its &&
        (!Number.isInteger(corroborationMin) || corroborationMin < 1 || corroborationMin > 64)
      )
        throw new Error('The vehicles that must agree is a whole number from 1 to 64.');
      if (symbol.trim() && (!/^\d+$/.test(startBalance.trim()) || amount < 1))
        throw new Error('Your starting balance is a whole number of tokens, at least 1.');
      const stake = mode === 'public' && staking && symbol.trim() ? stakingOf() : null;
      const emptyS = Number(emptyEvery.trim());
      if (emptyEvery.trim() && (!/^\d+$/.test(emptyEvery.trim()) || emptyS < 1 || emptyS > 600))
        throw new Error(
          'The time between empty blocks is a whole number of seconds from 1 to 600.',
        );
      const admins =
        mode === 'private' && administer && me
          ? [me, ...coAdmins.split(/[\s,]+/).filter((d) => d && d !== me)]
          : [];
      const k = Number(adminK.trim());
      if (admins.length > 1 && (!Number.isInteger(k) || k < 1 || k > admins.length))
        throw new Error(`The approvals needed is a whole number from 1 to ${admins.length}.`);
      setResult(
        await bot().createChain({
          ...(stake ? { staking: stake } : {}),
          name,
          mode,
          consensus,
          ...(emptyEvery.trim() ? { emptyBlockIntervalMs: emptyS * 1000 } : {}),
          ...(list.length ? { validators: list } : {}),
          ...(admins.length ? { admin: admins[0] } : {}),
          ...(admins.length > 1
            ? { multisig: { signers: admins, k, types: [{ type: 'admin.set' }] } }
            : {}),
          ...(symbol.trim() && me
            ? { tokens: { symbol: symbol.trim(), allocations: [{ did: me, amount }] } }
            : {}),
          ...(its && me
            ? {
                its: {
                  providers: [me, ...itsOthers.split(/[\s,]+/).filter((d) => d && d !== me)],
                  windowMs: windowS * 1000,
                  corroborationMin,
                  // plausibility and corroboration run in the consortium's deployed contract
                  // (this peer, the provider, deploys the bundled its-trust as it creates the chain)
                  contract: 'its-trust',
                  ...(symbol.trim() ? { reward } : {}),
                },
              }
            : {}),
        }),
      );
      const status = await bot().status();
      useAppStore.setState({ status, activeChain: status.chainId, blocks: [] }); // the strip follows the new chain
    });
  }
  function stakingOf(): NonNullable<CreateChainRequest['staking']> {
    const [epoch, unbonding, bond] = [epochBlocks, unbondingBlocks, genesisBond].map((t) =>
      Number(t.trim()),
    ) as [number, number, number];
    if (!Number.isInteger(epoch) || epoch < 1)
      throw new Error('The epoch is a whole number of blocks, at least 1.');
    if (!Number.isInteger(unbonding) || unbonding < 0)
      throw new Error('The unbonding delay is a whole number of blocks, 0 or more.');
    if (!Number.isInteger(bond) || bond < 1)
      throw new Error('Your bond is a whole number of tokens, at least 1.');
    const minBond = Math.max(1, Math.floor(bond / 10));
    return {
      minBond,
      unbondingBlocks: unbonding,
      maxValidators: 32,
      slashPercent: 10,
      epochBlocks: epoch,
      bond,
    };
  }
  return (
    <Card title="Create a chain" id="create-title">
      <form className="form" onSubmit={onSubmit}>
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={64}
            placeholder="greenhouse"
          />
        </label>
        <label>
          Mode
          <select
            value={mode}
            onChange={(e) => setMode(e.target.value as CreateChainRequest['mode'])}
          >
            <option value="private">private: one organization</option>
            <option value="consortium">consortium: members vote on validators</option>
            <option value="public">public: anyone joins</option>
          </select>
        </label>
        <p className="muted small-text" data-testid="mode-meaning">
          {modeMeaning[mode]}
        </p>
        {mode === 'private' && (
          <>
            <label className="inline">
              <input
                type="checkbox"
                checked={administer}
                onChange={(e) => setAdminister(e.target.checked)}
              />{' '}
              I administer this chain (members and rights set by me, no votes)
            </label>
            {administer && (
              <>
                <label>
                  Co-administrators (optional did:keys; then k of n approve each change)
                  <textarea value={coAdmins} onChange={(e) => setCoAdmins(e.target.value)} />
                </label>
                {coAdmins.trim() && (
                  <label>
                    Approvals needed (k)
                    <input
                      inputMode="numeric"
                      value={adminK}
                      onChange={(e) => setAdminK(e.target.value)}
                    />
                  </label>
                )}
              </>
            )}
          </>
        )}
        {mode === 'public' && (
          <label className="inline">
            <input
              type="checkbox"
              checked={staking}
              onChange={(e) => setStaking(e.target.checked)}
            />
            Validators by stake (needs a token symbol below)
          </label>
        )}
        {mode === 'public' && staking && (
          <>
            <label>
              Epoch: the validator set is recomputed every (blocks)
              <input
                value={epochBlocks}
                onChange={(e) => setEpochBlocks(e.target.value)}
                inputMode="numeric"
                autoComplete="off"
              />
            </label>
            <label>
              Unbonding delay (blocks)
              <input
                value={unbondingBlocks}
                onChange={(e) => setUnbondingBlocks(e.target.value)}
                inputMode="numeric"
                autoComplete="off"
              />
            </label>
            <label>
              Your bond as the first validator (its voting power)
              <input
                value={genesisBond}
                onChange={(e) => setGenesisBond(e.target.value)}
                inputMode="numeric"
                autoComplete="off"
              />
            </label>
          </>
        )}
        <label>
          Consensus engine
          <select
            value={consensus}
            onChange={(e) => setConsensus(e.target.value as CreateChainRequest['consensus'])}
          >
            <option value="solo">solo (this peer alone, for development)</option>
            <option value="poa">poa (round-robin, crash-tolerant)</option>
            <option value="bft">bft (tolerates Byzantine validators)</option>
          </select>
        </label>
        <label>
          Empty block every (seconds, when idle; optional)
          <input
            value={emptyEvery}
            onChange={(e) => setEmptyEvery(e.target.value)}
            inputMode="numeric"
            autoComplete="off"
            placeholder="30"
            aria-describedby="empty-every-help"
          />
        </label>
        <p className="muted small-text" id="empty-every-help">
          Heights advance only with blocks: on an idle chain, contracts scheduled every n blocks run
          this often. Empty: 30 round timeouts.
        </p>
        <label>
          Validators (did:key, one per line; empty: this peer alone)
          <textarea value={validators} onChange={(e) => setValidators(e.target.value)} rows={3} />
        </label>
        <label>
          Token symbol (optional: gives the chain a native token, see the Wallet page)
          <input
            value={symbol}
            onChange={(e) => setSymbol(e.target.value)}
            maxLength={8}
            placeholder="BOT"
            autoComplete="off"
          />
        </label>
        {symbol.trim() && (
          <label>
            Your starting balance
            <input
              value={startBalance}
              onChange={(e) => setStartBalance(e.target.value)}
              inputMode="numeric"
              autoComplete="off"
            />
          </label>
        )}
        <label className="inline">
          <input type="checkbox" checked={its} onChange={(e) => setIts(e.target.checked)} />
          Road conditions (ITS): this peer is an ITS provider
        </label>
        {its && (
          <>
            <label>
              Observation window (seconds)
              <input
                value={itsWindow}
                onChange={(e) => setItsWindow(e.target.value)}
                inputMode="numeric"
                autoComplete="off"
              />
            </label>
            <label>
              Other ITS providers of the consortium (did:key, one per line)
              <textarea
                value={itsOthers}
                onChange={(e) => setItsOthers(e.target.value)}
                rows={2}
                aria-describedby="its-others-help"
              />
            </label>
            <p className="muted small-text" id="its-others-help">
              Each certifies its own vehicles from its own peer; list their peers as validators too.
            </p>
            <label>
              Vehicles that must agree before a window is paid
              <input
                value={itsCorroboration}
                onChange={(e) => setItsCorroboration(e.target.value)}
                inputMode="numeric"
                autoComplete="off"
              />
            </label>
            {symbol.trim() && (
              <label>
                Reward per agreeing observation (tokens)
                <input
                  value={itsReward}
                  onChange={(e) => setItsReward(e.target.value)}
                  inputMode="numeric"
                  autoComplete="off"
                />
              </label>
            )}
          </>
        )}
        <button type="submit" disabled={busy || !name}>
          Create chain
        </button>
      </form>
      <ErrorNote error={error} what="Creating a chain" />
      {result && (
        <p role="status" className="ok">
          Created {short(result.chainId, 8)}. Its invite is below.
        </p>
      )}
    </Card>
  );
}

function Invite() {
  const chainId = useAppStore((s) => s.status?.chainId);
  const chainName = useAppStore((s) => s.status?.chainName);
  // Keyed by the chain it was made for: right after a chain switch the last chain's invite
  // must not be shown (or copied) under the new chain's name.
  const invite = useAsync(
    () =>
      bot()
        .invite()
        .then((link) => ({ chainId, link })),
    [chainId],
  );
  const link = invite.data?.chainId === chainId ? invite.data?.link : undefined;
  return (
    <Card title={chainName ? `Invite to ${chainName}` : 'Invite to this chain'} id="invite-title">
      <ErrorNote error={invite.error} what="Invite links" />
      {link && (
        <>
          <p className="mono-line">
            <code data-testid="invite-link">{link}</code>
          </p>
          <div className="row">
            <CopyButton text={link} label="Copy the invite link" />
          </div>
          <Qr text={link} label="QR code of the invite link" size={200} />
        </>
      )}
    </Card>
  );
}

function Join() {
  const { rest } = useRoute();
  const [link, setLink] = useState(rest[0] === 'join' && rest[1] ? rest[1] : '');
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    // The join page shows what the link offers (signature checked) before anyone joins.
    void run(async () => {
      navigate(joinRoute(inviteCodeFrom(link)));
    });
  }
  return (
    <Card title="Join a chain" id="join-title">
      <form className="form" onSubmit={onSubmit}>
        <label>
          Invite link
          <input
            value={link}
            onChange={(e) => setLink(e.target.value)}
            required
            placeholder="paste the link you were sent"
          />
        </label>
        <button type="submit" disabled={busy || !link.trim()}>
          Open the invite
        </button>
      </form>
      <ErrorNote error={error} what="Joining" />
      <h3>Or scan its QR code</h3>
      <QrScanner />
    </Card>
  );
}

export default function ChainsPage() {
  return (
    <>
      <PageTitle intro="A peer runs several chains at once, each with its own members, consensus and storage.">
        Chains
      </PageTitle>
      <div className="grid">
        <HeldChains />
        <Invite />
        <CreateChain />
        <Join />
      </div>
    </>
  );
}
