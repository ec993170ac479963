// The kinds of the procedures' notifications (worker/core/notifications): a list with no imports,
// so that the page may name them (worker/api-notify.ts re-exports it).
export const notificationKinds = [
  'data.stored',
  'token.received',
  'device.registered',
  'device.reported',
  'device.blocked',
  'device.unblocked',
  'contract.deployed',
  'contract.called',
  'contract.upgraded',
  'contract.retired',
  'contract.trigger.failed',
  'access.requested',
  'access.granted',
  'access.denied',
  'access.recorded',
  'trace.received',
  'data.validated',
  'data.refused',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];
