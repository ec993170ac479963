// Data asset circulation through a data proxy (Y.4560 Annex I.2, Figure I.6; requirement D-I.2):
//   step 0/1  the proxy P asks for a dataset on behalf of an enterprise E, stating the permitted
//             use: dataset.request { dataset, purpose, for: E } (state.ts, applyRequest);
//   step 2    E confirms on chain that P acts for it for that request: dataset.confirm { request };
//   step 3    the owner grants to P as any grant; the chain refuses it before E confirmed
//             (state.ts, grantCheck). The grant record is the certificate of the transaction;
//   step 4    P provides granted versions to E: dataset.forward { request, keys } carries their
//             content keys wrapped for E's X25519 key; E then reads them from the holders like
//             any reader, its accesses recorded as usual.
// Every step is a line of the dataset's access log naming who, for whom (`for`) and the purpose.
// Revoking P closes its request, so P can forward nothing more, and later versions are sealed
// without P: E's access to later versions ends with P's. Checks run before the first write.
import { botError, BotError } from '../../errors';
import type { Tx } from '../../tx-shape';
import type { WrappedKey } from './keys';
import {
  datasetIn,
  event,
  keyIn,
  log,
  requestIn,
  versionIn,
  versionKey,
  type DatasetOverlay,
  type RequestRecord,
  type VersionState,
} from './state';

export const proxyTxTypes = ['dataset.confirm', 'dataset.forward'] as const;

/** Stateful check and effect of dataset.confirm and dataset.forward; null when applied. */
export function applyProxyTx(
  o: DatasetOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  if (tx.type === 'dataset.confirm') return applyConfirm(o, tx, txId, height);
  if (tx.type === 'dataset.forward') return applyForward(o, tx, txId, height);
  return null;
}

function proxyRequest(o: DatasetOverlay, id: string): RequestRecord | BotError {
  const request = requestIn(o, id);
  if (!request || request.for === undefined)
    return botError(
      'NOT_FOUND',
      'There is no open proxy request with this id (never made, not made for an enterprise, denied or revoked).',
    );
  return request;
}

function applyConfirm(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const request = proxyRequest(o, (tx.body as { request: string }).request);
  if (request instanceof BotError) return request;
  if (tx.from !== request.for)
    return botError(
      'UNAUTHORIZED',
      `Only ${request.for}, the enterprise this proxy asks for, confirms the request.`,
    );
  if (request.confirmed) return botError('BAD_REQUEST', 'You have confirmed this request already.');
  if (request.state !== 'pending' && request.state !== 'approved')
    return botError(
      'BAD_REQUEST',
      `This request is ${request.state}: there is nothing to confirm.`,
    );
  if (!keyIn(o, tx.from))
    return botError(
      'BAD_REQUEST',
      'Publish your X25519 key (identity.x25519) first: the proxy wraps the keys it forwards for it.',
    );
  o.requests.set(request.id, { ...request, confirmed: { height, time: tx.time, tx: txId } });
  const { dataset, reader, purpose } = request;
  log(o, event('confirm', dataset, reader, null, purpose, tx, txId, height, request.for));
  return null;
}

type ForwardKeys = Array<{ version: number; key: WrappedKey }>;

function forwardCheck(o: DatasetOverlay, tx: Tx, body: { request: string; keys: ForwardKeys }) {
  const request = proxyRequest(o, body.request);
  if (request instanceof BotError) return request;
  const enterprise = request.for!;
  if (tx.from !== request.reader)
    return botError('UNAUTHORIZED', 'Only the proxy that made this request forwards its data.');
  if (request.state !== 'granted' || !request.confirmed)
    return botError(
      'UNAUTHORIZED',
      `This request is ${request.confirmed ? request.state : 'not confirmed by its enterprise'}: only a granted, confirmed request is forwarded.`,
    );
  if (!datasetIn(o, request.dataset))
    return botError('NOT_FOUND', 'The dataset of this request is gone.');
  const versions: VersionState[] = [];
  for (const { version, key } of body.keys) {
    if (key.reader !== enterprise)
      return botError(
        'BAD_REQUEST',
        `A key in this forward is for ${key.reader}, not ${enterprise}.`,
      );
    const v = versionIn(o, request.dataset, version);
    if (!v) return botError('NOT_FOUND', `"${request.dataset}" has no version ${version}.`);
    if (!v.readers.includes(request.reader))
      return botError(
        'UNAUTHORIZED',
        `Version ${version} of "${request.dataset}" was not granted to you: a proxy forwards only what it was granted.`,
      );
    if (v.readers.includes(enterprise))
      return botError('BAD_REQUEST', `${enterprise} has the key of version ${version} already.`);
    versions.push(v);
  }
  return { request, enterprise, versions };
}

function applyForward(o: DatasetOverlay, tx: Tx, txId: string, height: number): BotError | null {
  const body = tx.body as { request: string; keys: ForwardKeys };
  const plan = forwardCheck(o, tx, body);
  if (plan instanceof BotError) return plan;
  const { request, enterprise, versions } = plan;
  for (const [i, v] of versions.entries()) {
    const path = versionKey(v.dataset, v.version);
    o.versions.set(path, { ...v, readers: [...v.readers, enterprise] });
    o.wraps.set(`${path}/${enterprise}`, body.keys[i]!.key);
    const { dataset, purpose } = request;
    log(o, event('forward', dataset, enterprise, v.version, purpose, tx, txId, height, enterprise));
  }
  return null;
}
