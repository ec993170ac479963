// Join: an invite link opened as #/join/<code> shows what the person is joining (checked by the
// peer, signature included), one Join button, then the admission state, then the chain.
import { useState } from 'react';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { href, useRoute } from '../router';
import { Card, ErrorNote, PageTitle, Pill, useAction, useAsync } from '../components/ui';
import { formatTime, short } from '../lib/format';
import { admissionText, inviteCodeFrom } from '../lib/join';

const modeWords = {
  private: 'private: one organization; its validators admit you',
  consortium: 'consortium: members vote; the validators admit you',
  public: 'public: anyone joins and writes',
} as const;

function codeOfRoute(rest: string[]): { code: string | null; error: unknown } {
  try {
    return { code: inviteCodeFrom(`#/join/${rest[0] ?? ''}`), error: null };
  } catch (error) {
    return { code: null, error };
  }
}

export default function JoinPage() {
  const { rest } = useRoute();
  const { code, error: linkError } = codeOfRoute(rest);
  const info = useAsync(() => (code ? bot().inviteInfo(code) : Promise.resolve(null)), [code]);
  const status = useAppStore((s) => s.status);
  const online = useAppStore((s) => s.online);
  const [joinedHere, setJoinedHere] = useState(false);
  const [light, setLight] = useState(false);
  const { busy, error, run } = useAction();
  const data = info.data;
  const onChain = !!data && status?.chainId === data.chainId;
  const joined = joinedHere || (!!data?.active && onChain);
  function join() {
    if (!code) return;
    void run(async () => {
      await bot().join(code, light ? { light: true } : undefined);
      useAppStore.setState({ status: await bot().status(), blocks: [] });
      setJoinedHere(true);
    });
  }
  const state = admissionText({
    joined: joined && onChain,
    admission: status?.admission,
    online,
    peers: status?.peers ?? 0,
    chainName: data?.name ?? '',
  });
  return (
    <>
      <PageTitle intro="Someone sent you an invite link to a chain.">Join a chain</PageTitle>
      <ErrorNote error={linkError} what="This invite link" />
      <ErrorNote error={info.error} what="This invite link" />
      {info.loading && code && (
        <p className="muted" aria-live="polite">
          Checking the invite…
        </p>
      )}
      {data && (
        <Card title={`You are invited to ${data.name}`} id="invite-info-title">
          <dl className="facts" data-testid="invite-info">
            <dt>Chain</dt>
            <dd>
              {data.name} <code title={data.chainId}>{short(data.chainId, 8)}</code>
            </dd>
            <dt>Mode</dt>
            <dd>{modeWords[data.mode]}</dd>
            <dt>Engine</dt>
            <dd>{data.consensus}</dd>
            <dt>Validators</dt>
            <dd>
              {data.validators.length}:{' '}
              {data.validators.map((v) => (
                <code key={v} title={v}>
                  {short(v, 8)}{' '}
                </code>
              ))}
            </dd>
            <dt>Invited by</dt>
            <dd>
              {data.inviter ? (
                <>
                  <code title={data.inviter}>{short(data.inviter, 8)}</code>
                  {data.inviterIsValidator
                    ? ' (a validator of this chain)'
                    : ' (not one of its first validators)'}
                </>
              ) : (
                'nobody signed this link: a validator has to propose you by hand'
              )}
            </dd>
            <dt>Made</dt>
            <dd>{formatTime(data.createdAt)}</dd>
          </dl>
          {!online && !joined && (
            <p className="note">
              You are offline. Joining works now; the validators are asked when the network returns.
            </p>
          )}
          {!joined && (
            <p>
              <label className="check">
                <input
                  type="checkbox"
                  checked={light}
                  onChange={(e) => setLight(e.target.checked)}
                  aria-describedby="light-help"
                />{' '}
                Light peer: headers only, for phones
              </label>
              <br />
              <span id="light-help" className="muted small-text">
                Follows the chain's headers and certificates and checks every value it reads with a
                proof; keeps no ledger. Transactions go through the chain's full peers.
              </span>
            </p>
          )}
          {!joined && (
            <div className="row">
              <button type="button" onClick={join} disabled={busy}>
                Join {data.name}
              </button>
            </div>
          )}
          <ErrorNote error={error} what="Joining" />
          {state && (
            <p role="status" data-testid="admission-state">
              {status?.admission === 'admitted' ? (
                <Pill tone="ok">admitted</Pill>
              ) : (
                <Pill tone="warn">waiting</Pill>
              )}{' '}
              {state}
            </p>
          )}
          {joined && onChain && status?.admission === 'admitted' && (
            <p>
              <a className="button-link" href={href('')}>
                Open {data.name}
              </a>
            </p>
          )}
        </Card>
      )}
      {(linkError || info.error) && (
        <p>
          <a href={href('chains')}>Go to the Chains page</a> to paste or scan another link.
        </p>
      )}
    </>
  );
}
