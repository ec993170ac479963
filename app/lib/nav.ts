// Phone navigation as plain functions (tested without React): which pages sit in the bottom
// bar, which in the "More" sheet, and what the status strip counts as waiting for this person.
import type { GovernanceView, Status } from '../../worker/api';

/** Pages in the phone's bottom bar; every other page is in the "More" sheet, one tap away. */
export const primaryPaths: readonly string[] = ['', 'chains', 'ledger', 'devices'];
/** At most this many primary destinations, plus the More button, fit a 360 px wide phone. */
export const primaryPagesMax = 4;

export function splitPages<T extends { path: string }>(
  pages: readonly T[],
): { primary: T[]; more: T[] } {
  const primary = pages.filter((p) => primaryPaths.includes(p.path)).slice(0, primaryPagesMax);
  return { primary, more: pages.filter((p) => !primary.includes(p)) };
}

/** Open proposals this peer, as a validator, has not voted on yet (admission votes first). */
export function pendingVotes(
  gov: GovernanceView | null | undefined,
  did: string | undefined,
): number {
  if (!gov || !did || !gov.validators.some((v) => v.did === did)) return 0;
  return gov.proposals.filter((p) => p.passed === -1 && !p.approvals.includes(did)).length;
}

/** The sync state in a few words, for the status strip. */
export function syncText(
  status: Pick<Status, 'syncing' | 'peers' | 'height'> | null,
  sync: { syncing: boolean; height: number; target: number } | null,
  online: boolean,
): string {
  if (!status) return 'starting…';
  if (!online) return 'offline';
  if (sync?.syncing && sync.target > 0) return `syncing ${sync.height}/${sync.target}`;
  if (status.syncing) return 'syncing';
  return status.peers === 0 ? 'on its own' : 'in sync';
}

/** Pages a light peer serves in full (issue 19): the others need the chain's full state. */
export const lightPeerPages: ReadonlySet<string> = new Set([
  '',
  'network',
  'ledger',
  'chains',
  'wallet',
  'settings',
  'join',
  'notifications',
  // the road conditions near the phone, proven (issue 20)
  'roads',
]);

/** The status strip's chain text: name and height, and for a light peer its verified height. */
export function chainText(status: Pick<Status, 'chainName' | 'height' | 'light'> | null): string {
  if (!status) return 'starting…';
  if (status.light)
    return `${status.chainName} · light · height ${status.light.verifiedHeight} · verified`;
  return `${status.chainName} · #${status.height}`;
}
