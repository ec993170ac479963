// Changes and multi-signature rules in words, and the rule form's parsing (Governance page,
// Approvals card). Pure: no page state.
import { preview, short } from './format';

export interface MultisigRuleSet {
  signers: string[];
  k: number;
  types: Array<{ type: string; amountOver?: number }>;
}

/** "token.transfer above 100, admin.set need 2 of 3 signatures". */
export function ruleSetText(rule: MultisigRuleSet): string {
  const types = rule.types
    .map((r) => (r.amountOver === undefined ? r.type : `${r.type} above ${r.amountOver}`))
    .join(', ');
  return `${types} need ${rule.k} of ${rule.signers.length} signatures`;
}

/** The rule's types as the form shows them: one a line, "token.transfer > 100" for an amount. */
export function typesToText(types: MultisigRuleSet['types']): string {
  return types
    .map((r) => (r.amountOver === undefined ? r.type : `${r.type} > ${r.amountOver}`))
    .join('\n');
}

/**
 * The rule form's fields as a rule: types one a line ("admin.set", "token.transfer > 100"),
 * signers separated by spaces, commas or lines, k a whole number from 1 to the signers. Throws
 * an Error with a plain message naming the field.
 */
export function parseRuleForm(types: string, signers: string, k: string): MultisigRuleSet {
  const rules = types
    .split(/[\n,]+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const m = /^([a-z]+\.[a-z.]+)(?:\s*>\s*(\d+))?$/.exec(line);
      if (!m)
        throw new Error(
          `"${line}" is not a transaction type: write one a line, such as admin.set or token.transfer > 100.`,
        );
      return m[2] === undefined ? { type: m[1]! } : { type: m[1]!, amountOver: Number(m[2]) };
    });
  if (rules.length === 0) throw new Error('Name at least one transaction type to hold.');
  const dids = [...new Set(signers.split(/[\s,]+/).filter(Boolean))];
  if (dids.length === 0) throw new Error('Name at least one signer (did:key).');
  const bad = dids.find((d) => !d.startsWith('did:key:'));
  if (bad) throw new Error(`Signer "${bad}" is not a did:key.`);
  const needed = Number(k.trim());
  if (!/^\d+$/.test(k.trim()) || needed < 1 || needed > dids.length)
    throw new Error(`The signatures needed is a whole number from 1 to ${dids.length}.`);
  return { signers: dids, k: needed, types: rules };
}

/** A governance or admin.set change in words (Governance page proposals, held approvals). */
export function describeChange(change: unknown): string {
  const c = change as {
    kind?: string;
    did?: string;
    power?: number;
    name?: string;
    value?: unknown;
    engine?: string;
  };
  switch (c.kind) {
    case 'addValidator':
      return `Add validator ${short(c.did ?? '', 8)} (power ${c.power})`;
    case 'removeValidator':
      return `Remove validator ${short(c.did ?? '', 8)}`;
    case 'setPower':
      return `Set power of ${short(c.did ?? '', 8)} to ${c.power}`;
    case 'addMember':
      return `Add member ${short(c.did ?? '', 8)}`;
    case 'removeMember':
      return `Remove member ${short(c.did ?? '', 8)}`;
    case 'policy':
      return `Policy ${c.name} = ${String(c.value)}`;
    case 'engine':
      return `Switch engine to ${c.engine}`;
    case 'contract': {
      const k = change as { action?: string; codeHash?: string };
      return k.action === 'upgrade'
        ? `Upgrade contract ${c.name} to code ${(k.codeHash ?? '').slice(0, 12)}`
        : `Retire contract ${c.name}`;
    }
    case 'role': {
      const r = change as { role?: string; dids?: string[] | null };
      return r.dids === null
        ? `Open role ${r.role} to all`
        : `Role ${r.role}: ${(r.dids ?? []).map((d) => short(d, 8)).join(', ') || 'nobody'}`;
    }
    case 'multisig': {
      const m = change as { policy?: MultisigRuleSet | null };
      return m.policy
        ? `Multi-signature rule: ${ruleSetText(m.policy)}`
        : 'Drop the multi-signature rule';
    }
    default:
      return preview(change);
  }
}
