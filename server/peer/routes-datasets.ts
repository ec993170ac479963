// Confidential dataset routes (issue 15): publish, versions, access requests and decisions,
// revocation, the access log, and content streamed chunk by chunk.
import type { DatasetReadResult } from '../../worker/api';
import { checkParams } from '../../worker/host/dispatch';
import type { DatasetReadStream } from '../../worker/host/datasets';
import {
  type Call,
  contentHeaders,
  type Handler,
  integerQuery,
  type Method,
  readContent,
  readJsonObject,
  stringField,
} from './http-common';

export interface DatasetRouteOptions {
  /** A dataset version chunk by chunk (the peer host's); without it the content route reads whole. */
  readDatasetStream?: (
    dataset: string,
    options?: { version?: number; purpose?: string },
  ) => Promise<DatasetReadStream>;
  warn?: (message: string) => void;
}

export function datasetRoutes(
  call: Call,
  options: DatasetRouteOptions,
): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/datasets', async () => ({ body: await call('datasets') })],
    [
      'POST',
      '/v1/datasets',
      async ({ request }) => ({
        status: 202,
        body: await call('publishDataset', await readJsonObject(request)),
      }),
    ],
    [
      'POST',
      '/v1/datasets/:id/versions',
      async ({ params, request }) => ({
        status: 202,
        body: await call('putDatasetVersion', params[0]!, await readContent(request)),
      }),
    ],
    [
      'POST',
      '/v1/datasets/:id/requests',
      async ({ params, request }) => {
        const body = await readJsonObject(request);
        const purpose = stringField(body, 'purpose');
        // A data proxy names the enterprise it asks for (Y.4560 Annex I.2).
        const args: unknown[] = [body.view];
        if (body.for !== undefined) args.push({ for: body.for });
        else if (body.view === undefined) args.pop();
        return { status: 202, body: await call('requestAccess', params[0]!, purpose, ...args) };
      },
    ],
    [
      'POST',
      '/v1/dataset-requests/:id/decision',
      async ({ params, request }) => {
        const body = await readJsonObject(request);
        const view = body.view === undefined ? [] : [body.view];
        return { status: 202, body: await call('decideAccess', params[0]!, body.grant, ...view) };
      },
    ],
    [
      'POST',
      '/v1/dataset-requests/:id/confirm',
      async ({ params }) => ({ status: 202, body: await call('confirmProxy', params[0]!) }),
    ],
    [
      'POST',
      '/v1/dataset-requests/:id/forward',
      async ({ params, request }) => {
        const body = await readJsonObject(request);
        const versions = body.versions === undefined ? [] : [body.versions];
        return { status: 202, body: await call('forwardDataset', params[0]!, ...versions) };
      },
    ],
    [
      'POST',
      '/v1/datasets/:id/revoke',
      async ({ params, request }) => ({
        status: 202,
        body: await call(
          'revokeAccess',
          params[0]!,
          stringField(await readJsonObject(request), 'reader'),
        ),
      }),
    ],
    [
      'GET',
      '/v1/datasets/:id/log',
      async ({ params }) => ({ body: await call('accessLog', params[0]!) }),
    ],
    [
      'GET',
      '/v1/datasets/:id/content',
      async ({ params, query, response }) => {
        const version = integerQuery(query, 'version', 1, 2 ** 31 - 1);
        const purpose = query.get('purpose') ?? undefined;
        const stream = options.readDatasetStream;
        if (!stream) {
          const read = (await call('readDataset', params[0]!, {
            version,
            purpose,
          })) as DatasetReadResult;
          response.writeHead(200, contentHeaders(read, read.bytes.length));
          response.end(read.bytes);
          return 'streaming';
        }
        // One chunk at a time: the plaintext of a large version is never whole in memory.
        const [dataset, checked] = checkParams('readDataset', [
          params[0]!,
          { version, purpose },
        ]) as [string, { version?: number; purpose?: string }];
        const read = await stream(dataset, checked);
        response.writeHead(200, contentHeaders(read, read.plainBytes));
        try {
          for await (const chunk of read.chunks) {
            if (!response.write(chunk))
              await new Promise<void>((resolve) => response.once('drain', () => resolve()));
            if (response.destroyed) break;
          }
          response.end();
        } catch (error) {
          // Headers are sent: a failed chunk (TAMPERED, NOT_FOUND) cuts the body short, so the
          // client sees fewer bytes than content-length and never takes it for the whole.
          options.warn?.(`Dataset content cut short: ${(error as Error).message}`);
          response.destroy();
        }
        return 'streaming';
      },
    ],
  ];
}
