// The OpenAPI description of the notification routes (./routes-notify.ts; issue 17), merged into
// the document of ./openapi.ts. Plain JSON Schema objects: no helper of openapi.ts is imported,
// so the two files do not depend on each other at run time.
import { notificationKinds } from '../../worker/core/notifications/kinds';
import {
  notificationsListedMax,
  notificationSubjectLengthMax,
} from '../../worker/core/notifications/limits';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const notifySchemas: Record<string, Schema> = {
  Notification: {
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^\\d+/\\d+$' },
      chain: { type: 'string' },
      height: { type: 'integer', minimum: 1 },
      index: { type: 'integer', minimum: 0 },
      time: { type: 'integer', minimum: 0 },
      txId: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      kind: { enum: [...notificationKinds] },
      subject: { type: 'string' },
      actor: { type: 'string', pattern: '^did:key:z' },
      to: { type: 'array', items: { type: 'string' } },
      detail: { type: 'object' },
    },
    required: [
      'id',
      'chain',
      'height',
      'index',
      'time',
      'txId',
      'kind',
      'subject',
      'actor',
      'to',
      'detail',
    ],
  },
  NotificationList: {
    type: 'object',
    properties: {
      chain: { type: 'string' },
      notifications: { type: 'array', items: ref('Notification') },
      more: { type: 'boolean' },
      gap: { type: 'boolean' },
      oldest: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      height: { type: 'integer', minimum: 0 },
    },
    required: ['chain', 'notifications', 'more', 'gap', 'oldest', 'height'],
  },
};

const text = { type: 'string', minLength: 1, maxLength: notificationSubjectLengthMax };
const filterParams = [
  {
    name: 'kinds',
    in: 'query',
    description: `Comma-separated kinds: ${notificationKinds.join(', ')}.`,
    schema: { type: 'string' },
  },
  { name: 'subject', in: 'query', schema: text },
  { name: 'to', in: 'query', description: 'Only those that concern this account.', schema: text },
  {
    name: 'after',
    in: 'query',
    description: 'A notification id "<height>/<index>".',
    schema: text,
  },
];

export const notifyPaths = {
  '/v1/notifications': {
    get: {
      summary:
        'Notifications as Server-Sent Events (id: <height>/<index>); resumes after the Last-Event-ID header.',
      ok: ['200', 'events'] as [string, 'events'],
      params: [
        ...filterParams,
        { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
      ],
    },
  },
  '/v1/notifications/list': {
    get: {
      summary: 'Notifications kept by this peer, oldest first, after an id.',
      ok: ['200', ref('NotificationList')] as [string, Schema],
      params: [
        ...filterParams,
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: notificationsListedMax },
        },
      ],
    },
  },
};
