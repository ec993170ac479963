// The dispatcher test's cases for services outside the chain (issue 17, Y.4464 10.5;
// dispatch.test.ts spreads them in): good parameters, and bad ones with a piece of the message.
const grant = 'ab'.repeat(32);
const device = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

export const servicesCases = {
  services: {
    good: [],
    bad: [[[1], 'services takes 0 parameters']] as Array<[unknown[], string]>,
  },
  registerService: {
    good: [
      { id: 'weather', name: 'Weather', url: 'http://127.0.0.1:9/', access: { mode: 'devices' } },
    ],
    bad: [
      [[{ id: '', name: 'x' }], 'registerService: request.id'],
      [[{ id: 'w', name: 'x', key: 'nope' }], 'registerService: request.key'],
      [[{ id: 'w', name: 'x', access: { mode: 'all' } }], 'registerService: request.access.mode'],
      [[{ id: 'w', name: 'x', url: 'u'.repeat(201) }], 'registerService: request.url'],
    ] as Array<[unknown[], string]>,
  },
  requestServiceGrant: {
    good: [{ service: 'weather', subject: device, ttlMs: 60_000 }],
    bad: [
      [[{ service: 'weather', subject: device, ttlMs: 1 }], 'requestServiceGrant: request.ttlMs'],
      [[{ service: 'weather', subject: 'me' }], 'requestServiceGrant: request.subject'],
    ] as Array<[unknown[], string]>,
  },
  revokeServiceGrant: {
    good: [grant],
    bad: [[['x'], 'revokeServiceGrant: grant']] as Array<[unknown[], string]>,
  },
  serviceGrantProof: {
    good: [{ grant, from: 3 }],
    bad: [[[{ grant, from: -1 }], 'serviceGrantProof: request.from']] as Array<[unknown[], string]>,
  },
  useService: {
    good: [{ grant }],
    bad: [[[{ grant: 'x' }], 'useService: request.grant']] as Array<[unknown[], string]>,
  },
};
