// Bounds of the procedures' notifications (Y.4464 clause 10; issue 17). Names say units last.

/** Notifications a peer keeps per chain for lists and for resuming event streams (oldest dropped first). */
export const notificationsKeptMax = 2048;
/** Blocks a peer re-derives notifications from when it starts (its backlog after a reload). */
export const notificationsRebuildBlocksMax = 256;
/** Notifications one list answer holds. */
export const notificationsListedMax = 200;
/** Notifications one transaction makes (a trace transfer names one lot; a split or merge several). */
export const notificationsPerTxMax = 32;
/** Subscriptions a peer keeps (they survive reloads). */
export const notificationSubscriptionsMax = 64;
/** Kinds one filter names. */
export const notificationFilterKindsMax = 32;
/** Length of a filter's subject or recipient, in characters. */
export const notificationSubjectLengthMax = 256;
