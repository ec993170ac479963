// The procedures' notifications over HTTP (Y.4464 clause 10; issue 17).
//   GET /v1/notifications        Server-Sent Events: `id: <height>/<index>`, `event: notification`
//   GET /v1/notifications/list   the same notifications as JSON pages (after, limit)
// Both filter by `kinds` (comma-separated), `subject` and `to`. A stream starts after the
// Last-Event-ID header (or `after`), so a client that reconnects gets every notification it
// missed from the peer's bounded backlog (notificationsKeptMax), then the live ones; when the
// backlog no longer reaches its id, the stream first sends `event: gap` (it missed some).
import type { ServerResponse } from 'node:http';
import type { NotificationList, NotificationView, PeerEvent } from '../../worker/api';
import {
  isAfter,
  matchesFilter,
  parseNotificationId,
  type NotificationFilter,
} from '../../worker/core/notifications';
import { notificationsListedMax } from '../../worker/core/notifications/limits';
import { botError } from '../../worker/core/errors';
import { type Call, type Context, type Handler, integerQuery, type Method } from './http-common';

export interface NotifyRouteOptions {
  events: { subscribe(listener: (event: PeerEvent) => void): () => void };
  /** The open event streams (shared with /v1/events) and how many may be open at once. */
  streams: Set<ServerResponse>;
  streamsMax: number;
  heartbeatMs: number;
  bufferBytesMax: number;
}

/** The filter of a query (checked by the dispatcher when the route calls the peer). */
function filterOf(query: URLSearchParams): NotificationFilter {
  const filter: Record<string, unknown> = {};
  const kinds = query.get('kinds');
  if (kinds !== null) filter.kinds = kinds.split(',').filter(Boolean);
  for (const name of ['subject', 'to'] as const) {
    const value = query.get(name);
    if (value !== null) filter[name] = value;
  }
  return filter as NotificationFilter;
}

function listOptions(query: URLSearchParams, after?: string): { after?: string; limit?: number } {
  const limit = integerQuery(query, 'limit', 1, notificationsListedMax);
  const from = after ?? query.get('after') ?? undefined;
  return { ...(from === undefined ? {} : { after: from }), ...(limit ? { limit } : {}) };
}

export function notifyRoutes(
  call: Call,
  options: NotifyRouteOptions,
): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/notifications', (context) => notificationStream(call, context, options)],
    [
      'GET',
      '/v1/notifications/list',
      async ({ query }) => ({
        body: await call('notifications', filterOf(query), listOptions(query)),
      }),
    ],
  ];
}

async function notificationStream(
  call: Call,
  { request, response, query }: Context,
  options: NotifyRouteOptions,
): Promise<'streaming'> {
  if (options.streams.size >= options.streamsMax)
    throw botError(
      'NOT_READY',
      `This peer already serves ${options.streamsMax} event streams; try again later.`,
    );
  const filter = filterOf(query);
  const header = request.headers['last-event-id'];
  const resume = typeof header === 'string' && header.length > 0 ? header : undefined;
  // Live notifications wait while the backlog is sent, so none is lost or sent twice.
  let replaying = true;
  const waiting: NotificationView[] = [];
  let last: { height: number; index: number } | null = null;
  const send = (n: NotificationView) => {
    if (!isAfter(n, last)) return;
    if (response.writableLength > options.bufferBytesMax) {
      response.destroy(); // a reader this slow would hold the peer's memory; it resumes by id
      return;
    }
    last = { height: n.height, index: n.index };
    response.write(`id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
  };
  const unsubscribe = options.events.subscribe((event) => {
    if (event.type !== 'notification') return;
    const { type: _type, subscriptions: _subscriptions, ...n } = event;
    if (!matchesFilter(n, filter)) return;
    if (replaying) waiting.push(n);
    else send(n);
  });
  let page: NotificationList;
  const from = listOptions(query, resume);
  try {
    // checked here, before the stream starts: bad input is a JSON error with its status
    page = (await call('notifications', filter, from)) as NotificationList;
  } catch (error) {
    unsubscribe();
    throw error;
  }
  if (from.after !== undefined) last = parseNotificationId(from.after);
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write('retry: 3000\n\n');
  options.streams.add(response);
  const heartbeat = setInterval(() => response.write(': ping\n\n'), options.heartbeatMs);
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    options.streams.delete(response);
  };
  request.on('close', end);
  response.on('close', end);
  if (page.gap)
    response.write(
      `event: gap\ndata: ${JSON.stringify({ after: from.after, oldest: page.oldest })}\n\n`,
    );
  for (;;) {
    for (const n of page.notifications) send(n);
    if (!page.more || response.destroyed) break;
    const at = page.notifications.at(-1)!.id;
    page = (await call('notifications', filter, { after: at })) as NotificationList;
  }
  replaying = false;
  for (const n of waiting.splice(0)) send(n);
  return 'streaming';
}
