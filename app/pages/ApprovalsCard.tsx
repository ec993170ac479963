// Approvals (issue 16, D-8-data): on a chain whose genesis holds chosen transactions for k of n
// signatures, the rule, the held transactions and an Approve button for a signer that has not
// approved yet. The k-th approval executes the held transaction on chain.
import { bot } from '../runtime';
import { Card, ErrorNote, Pill, useAction } from '../components/ui';
import { short } from '../lib/format';
import type { MultisigView } from '../../worker/api';
import { commitOrThrow } from '../lib/commit';
import { describeChange, ruleSetText } from '../lib/change-text';

function heldText(type: string, body: unknown): string {
  const b = body as { to?: string; amount?: number };
  if (type === 'token.transfer' && typeof b?.amount === 'number' && typeof b.to === 'string')
    return `Transfer ${b.amount} to ${short(b.to, 10)}`;
  // k of n administrators: the held admin.set's change (a member, a role, a policy, the rule).
  if (type === 'admin.set') return describeChange((body as { change?: unknown })?.change);
  return type;
}

export function ApprovalsCard({
  view,
  me,
  onDone,
}: {
  view: MultisigView;
  me: string | undefined;
  onDone: () => void;
}) {
  const { busy, error, run } = useAction();
  const policy = view.policy;
  if (!policy) return null;
  function approve(id: string) {
    void run(async () => {
      await commitOrThrow(bot().approveMultisig(id), 'The chain refused the approval.');
      onDone();
    });
  }
  return (
    <Card title="Approvals" id="approvals-title">
      <p className="muted small-text">
        On this chain {ruleSetText(policy)}
        {view.signer ? ' (you are a signer).' : '.'}
      </p>
      {view.proposals.length === 0 ? (
        <p className="muted">Nothing is waiting for signatures.</p>
      ) : (
        <ul className="plain-list" data-testid="approvals">
          {view.proposals.map((p) => (
            <li key={p.id} data-testid="approval">
              <strong>{heldText(p.type, p.body)}</strong>{' '}
              <Pill tone={p.state === 'executed' ? 'ok' : 'muted'}>
                {p.state === 'executed'
                  ? 'executed'
                  : `${p.approvals.length} of ${policy.k} approvals`}
              </Pill>
              <p className="muted small-text">
                Proposed by <code title={p.from}>{short(p.from, 10)}</code> in block {p.height}
              </p>
              {p.state === 'pending' && view.signer && me && !p.approvals.includes(me) && (
                <button
                  type="button"
                  className="small"
                  disabled={busy}
                  onClick={() => approve(p.id)}
                  data-testid="approve"
                >
                  Approve
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={error} what="The approval" />
    </Card>
  );
}
