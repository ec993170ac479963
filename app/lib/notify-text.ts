// How a notification reads on the page (tested without React).
import type { NotificationView } from '../../worker/api';
import { short } from './format';

/** One sentence for a notification. */
export function notificationText(n: NotificationView): string {
  const s = n.subject.startsWith('did:key:') ? short(n.subject) : n.subject;
  const d = n.detail;
  switch (n.kind) {
    case 'data.stored':
      return d.deleted ? `Data "${s}" was deleted.` : `Data "${s}" was stored.`;
    case 'token.received':
      return `${d.amount} tokens ${d.minted ? 'were minted' : 'arrived'} for ${s}.`;
    case 'device.registered':
      return `Device ${d.name ? `"${d.name}" ` : ''}(${s}) was registered.`;
    case 'device.reported':
      return `Device ${s} was reported by a gateway: ${d.reason}.`;
    case 'device.blocked':
      return `Device ${s} is blocked: ${d.reports} gateway report${d.reports === 1 ? '' : 's'} (${d.reason}).`;
    case 'device.unblocked':
      return `Device ${s} was unblocked: ${d.note}.`;
    case 'contract.deployed':
      return `Contract "${s}" was deployed.`;
    case 'contract.called':
      return `Contract "${s}" was called: ${d.method}${d.device ? ' (by a device)' : ''}.`;
    case 'contract.upgraded':
      return `Contract "${s}" was upgraded.`;
    case 'contract.retired':
      return `Contract "${s}" was retired: ${d.note}.`;
    case 'contract.trigger.failed':
      return `A trigger of contract "${s}" failed in block ${n.height} (${d.method}): ${d.message}`;
    case 'access.requested':
      return `Access to ${s} was requested: ${d.purpose || d.service || 'no purpose given'}.`;
    case 'access.granted':
      return d.via
        ? `Access to ${s} was forwarded to you by ${short(String(d.via))}.`
        : `Access to ${s} was granted.`;
    case 'access.proxied':
      return `${short(String(d.proxy))} asked for ${s} on your behalf (${d.purpose || 'no purpose given'}): confirm it on the Data page.`;
    case 'access.confirmed':
      return `Your request for ${s} was confirmed by ${short(String(d.for))}: its owner may grant it now.`;
    case 'access.denied':
      return `Access to ${s} was denied.`;
    case 'access.recorded':
      return `Access to ${s} was recorded (version ${d.version}).`;
    case 'trace.received':
      return `Lot "${s}" was transferred to you.`;
    case 'data.refused':
      return `Data "${s}" was refused by a regulator: ${d.reason}. Correct it and resubmit.`;
    case 'data.validated':
      return `Data "${s}" was validated by a regulator.`;
    default:
      return `${n.kind}: ${s}`;
  }
}

/** Is id a after id b ("<height>/<index>"; null: before everything)? */
export function idAfter(a: string, b: string | null): boolean {
  if (b === null) return true;
  const [ah, ai] = a.split('/').map(Number) as [number, number];
  const [bh, bi] = b.split('/').map(Number) as [number, number];
  return ah > bh || (ah === bh && ai > bi);
}
