// Road conditions on a light phone (issue 20 with issue 19): a peer that follows an ITS chain as
// a light peer holds no state, so it reads the road conditions near it segment by segment, each
// its/seg/<segment> entry with its Merkle proof checked against a header it verified (the
// nearest itsLightSegmentsMax segments within the radius), and each provider's trust record in
// the trust contract (ct/state/<contract>/p/<provider>) the same way. It needs a position
// (`near`): the whole map would be one proof per segment of the network. The providers and the
// contract are the genesis's (a policy that changed them is read by full peers only); who
// reported each segment (its window's trips) is not read here: reporters is empty.
import { botError } from '../core/errors';
import {
  decodeCondition,
  demoTownNetwork,
  itsSegmentPrefix,
  itsSettingsOf,
} from '../core/modules/its';
import { decodeContractState } from '../core/modules/contracts/views';
import type { Genesis } from '../core/genesis';
import type {
  ItsConditionProofView,
  ItsConditionsView,
  ItsConditionView,
  ItsNear,
  ItsProviderView,
} from '../api-its';
import type { StateProofView } from '../api-common';
import type { LightProof } from './wire';
import type { LightFollower } from './light';
import { itsLightSegmentsMax } from './its-limits';
import {
  checkNear,
  providerTrust,
  providerTrustKey,
  segmentIdsNear,
  trustRecordOf,
} from './its-reads';

export interface LightItsDeps {
  genesis: Genesis;
  follower: () => Promise<LightFollower>;
  proofView: (proof: LightProof) => StateProofView;
}

function viewOf(entry: Uint8Array): ItsConditionView {
  const condition = decodeCondition(entry);
  const segment = demoTownNetwork.segmentById.get(condition.segment);
  return {
    ...condition,
    name: segment?.name ?? condition.segment,
    limitKmh: segment?.limitKmh ?? 0,
    reporters: [],
    trustMin: null,
  };
}

export class LightIts {
  constructor(private readonly d: LightItsDeps) {}

  async itsConditions(near?: ItsNear): Promise<ItsConditionsView> {
    const where = checkNear(near);
    if (!where)
      throw botError(
        'BAD_REQUEST',
        `This peer follows ${this.d.genesis.name} as a light peer: it reads the road conditions near a position, each segment with a proof. Pass near { lat, lon, radiusM? } (the whole map needs a full peer).`,
      );
    const follower = await this.d.follower();
    const settings = itsSettingsOf(this.d.genesis, () => undefined);
    const conditions: ItsConditionView[] = [];
    let height = follower.height;
    for (const segment of segmentIdsNear(where).slice(0, itsLightSegmentsMax)) {
      const read = await follower.getState(itsSegmentPrefix + segment);
      if (!read) continue;
      height = Math.max(height, read.proof.height);
      conditions.push(viewOf(read.entry));
    }
    const providers: ItsProviderView[] = [];
    for (const did of settings.providers) {
      const read = settings.contract
        ? await follower.getState(providerTrustKey(settings.contract, did))
        : null;
      const { ok, bad } = trustRecordOf(read ? decodeContractState(read.entry) : null);
      providers.push({ did, ok, bad, trust: providerTrust(ok, bad) });
    }
    conditions.sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0));
    return {
      height,
      windowMs: settings.windowMs,
      enabled: settings.providers.length > 0,
      conditions,
      providers,
      near: where,
      proven: true,
    };
  }

  async itsCondition(segment: string): Promise<ItsConditionProofView> {
    if (typeof segment !== 'string' || !demoTownNetwork.segmentById.has(segment))
      throw botError(
        'NOT_FOUND',
        `itsCondition: "${String(segment)}" is not a segment of ${demoTownNetwork.name}.`,
      );
    const read = await (await this.d.follower()).getState(itsSegmentPrefix + segment);
    if (!read) return { condition: null, proof: null };
    return { condition: viewOf(read.entry), proof: this.d.proofView(read.proof) };
  }
}
