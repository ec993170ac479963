// The API methods of PeerHost that a service answers: each one line, `delegate`d to the service
// that owns it (capabilities.ts). PeerHost extends this class and provides the services; the
// methods read them when called, so the services may be made after these fields.
import type { Capabilities } from './capabilities';
import type { DatasetReadStream } from './datasets';
import { delegate } from './capabilities';
import type { ChainsService } from './chains';
import type { IdentityService } from './identity';
import type { MeshService } from './mesh';
import type { Reads } from './reads';
import type { Submissions } from './submissions';
import { botError } from '../core/errors';
import { itsTrustContractName, itsTrustContractSource } from '../core/modules/its/trust-contract';
import type { CreateChainRequest } from '../api';
import { verifyAuditLog, type AuditExport, type AuditVerdict } from '../core/audit';

export abstract class ApiSurface {
  protected abstract readonly identityService: IdentityService;
  protected abstract readonly chainsService: ChainsService;
  protected abstract readonly mesh: MeshService;
  protected abstract readonly submissions: Submissions;
  protected abstract readonly reads: Reads;
  protected abstract readonly capabilities: Capabilities;

  readonly identity = delegate(() => this.identityService, 'identity');
  readonly exportIdentity = delegate(() => this.identityService, 'exportIdentity');
  readonly importIdentity = delegate(() => this.identityService, 'importIdentity');
  readonly status = delegate(() => this.reads, 'status');
  readonly block = delegate(() => this.reads, 'block');
  readonly get = delegate(() => this.reads, 'get');
  readonly absenceProof = delegate(() => this.reads, 'absenceProof');
  readonly history = delegate(() => this.reads, 'history');
  readonly integrity = delegate(() => this.reads, 'integrity');
  readonly governance = delegate(() => this.reads, 'governance');
  readonly submit = delegate(() => this.submissions, 'submit');
  readonly submitRaw = delegate(() => this.submissions, 'submitRaw');
  readonly waitFor = delegate(() => this.submissions, 'waitFor');
  readonly repair = delegate(() => this.chainsService, 'repair');
  /** Create a chain, then do what its creator does on it (setUpCreatedChain). */
  async createChain(request: CreateChainRequest): Promise<{ chainId: string; invite: string }> {
    const created = await this.chainsService.createChain(request);
    await this.setUpCreatedChain(request);
    return created;
  }
  /**
   * What the creator of a chain does once this host runs it: an ITS chain naming the bundled
   * trust contract gets it deployed at once when this peer is one of the providers
   * (worker/core/modules/its/trust-contract.ts). Every way of creating a chain calls it (this
   * class's createChain, and MultiHost's, which runs a new chain in a new slot): without the
   * contract every observation on the chain fails (NOT_FOUND).
   */
  async setUpCreatedChain(request: CreateChainRequest): Promise<void> {
    const its = request.its;
    if (its?.contract !== itsTrustContractName) return;
    const me = (await this.identity()).did;
    if (!its.providers.includes(me)) return;
    await (await this.capabilities.contracts()).deployContract({
      name: itsTrustContractName,
      code: itsTrustContractSource,
    });
  }
  readonly join = delegate(() => this.chainsService, 'join');
  readonly invite = delegate(() => this.chainsService, 'invite');
  readonly inviteInfo = delegate(() => this.chainsService, 'inviteInfo');
  readonly chains = delegate(() => this.chainsService, 'chains');
  readonly useChain = delegate(() => this.chainsService, 'useChain');
  /** One chain's host runs one chain: leaving one is the whole peer's (multi-host.ts). */
  async leaveChain(chainId: string): Promise<never> {
    throw botError(
      'BAD_REQUEST',
      `This peer runs chain ${chainId} in its first slot only; it has no other chain to leave it for.`,
    );
  }
  readonly network = delegate(() => this.mesh, 'network');
  readonly settings = delegate(() => this.mesh, 'settings');
  readonly setSettings = delegate(() => this.mesh, 'setSettings');
  // devices (devices-host.ts) and contracts (contracts-host.ts), made on first use
  readonly devices = delegate(() => this.capabilities.devices(), 'devices');
  readonly registerDevice = delegate(() => this.capabilities.devices(), 'registerDevice');
  readonly setDeviceStatus = delegate(() => this.capabilities.devices(), 'setDeviceStatus');
  readonly setDevicePolicy = delegate(() => this.capabilities.devices(), 'setDevicePolicy');
  readonly deviceReading = delegate(() => this.capabilities.devices(), 'deviceReading');
  readonly deviceReadingBatch = delegate(() => this.capabilities.devices(), 'deviceReadingBatch');
  readonly deviceReadings = delegate(() => this.capabilities.devices(), 'deviceReadings');
  readonly requestDeviceAccess = delegate(() => this.capabilities.devices(), 'requestDeviceAccess');
  readonly decideDeviceAccess = delegate(() => this.capabilities.devices(), 'decideDeviceAccess');
  readonly deviceAccessLog = delegate(() => this.capabilities.devices(), 'deviceAccessLog');
  readonly readDeviceBatch = delegate(() => this.capabilities.devices(), 'readDeviceBatch');
  readonly deviceCallContract = delegate(() => this.capabilities.devices(), 'deviceCallContract');
  readonly sendDeviceMessage = delegate(() => this.capabilities.devices(), 'sendDeviceMessage');
  readonly deviceMessages = delegate(() => this.capabilities.devices(), 'deviceMessages');
  // the blocklist of hijacked devices (issue 17): devices-host.ts; roles and policies: rights.ts
  readonly reportDevice = delegate(() => this.capabilities.devices(), 'reportDevice');
  readonly unblockDevice = delegate(() => this.capabilities.devices(), 'unblockDevice');
  readonly blockedDevices = delegate(() => this.capabilities.devices(), 'blockedDevices');
  readonly setRole = delegate(() => this.capabilities.rights(), 'setRole');
  readonly setPolicy = delegate(() => this.capabilities.rights(), 'setPolicy');
  readonly setMember = delegate(() => this.capabilities.rights(), 'setMember');
  readonly setMultisigRule = delegate(() => this.capabilities.rights(), 'setMultisigRule');
  // confidential datasets (issue 15): ./datasets.ts
  readonly datasets = delegate(() => this.capabilities.datasets(), 'datasets');
  readonly publishDataset = delegate(() => this.capabilities.datasets(), 'publishDataset');
  readonly putDatasetVersion = delegate(() => this.capabilities.datasets(), 'putDatasetVersion');
  readonly requestAccess = delegate(() => this.capabilities.datasets(), 'requestAccess');
  readonly decideAccess = delegate(() => this.capabilities.datasets(), 'decideAccess');
  readonly confirmProxy = delegate(() => this.capabilities.datasets(), 'confirmProxy');
  readonly forwardDataset = delegate(() => this.capabilities.datasets(), 'forwardDataset');
  readonly revokeAccess = delegate(() => this.capabilities.datasets(), 'revokeAccess');
  readonly readDataset = delegate(() => this.capabilities.datasets(), 'readDataset');
  readonly accessLog = delegate(() => this.capabilities.datasets(), 'accessLog');
  // distributed analytics (issue 15, Y.4560 8.2): ./datasets-analytics.ts
  readonly runAnalytics = delegate(() => this.capabilities.datasets(), 'runAnalytics');
  readonly analyticsResult = delegate(() => this.capabilities.datasets(), 'analyticsResult');
  readonly analyticsJobs = delegate(() => this.capabilities.datasets(), 'analyticsJobs');
  // the data market (issue 16): ./market.ts
  readonly marketOffers = delegate(() => this.capabilities.market(), 'marketOffers');
  readonly offerDataset = delegate(() => this.capabilities.market(), 'offerDataset');
  readonly withdrawOffer = delegate(() => this.capabilities.market(), 'withdrawOffer');
  readonly buyOffer = delegate(() => this.capabilities.market(), 'buyOffer');
  readonly demandDataset = delegate(() => this.capabilities.market(), 'demandDataset');
  readonly cancelDemand = delegate(() => this.capabilities.market(), 'cancelDemand');
  readonly deliverPurchase = delegate(() => this.capabilities.market(), 'deliverPurchase');
  readonly refundPurchase = delegate(() => this.capabilities.market(), 'refundPurchase');
  readonly disputePurchase = delegate(() => this.capabilities.market(), 'disputePurchase');
  readonly answerDispute = delegate(() => this.capabilities.market(), 'answerDispute');
  readonly marketTrades = delegate(() => this.capabilities.market(), 'marketTrades');
  readonly streamBook = delegate(() => this.capabilities.market(), 'streamBook');
  readonly askStream = delegate(() => this.capabilities.market(), 'askStream');
  readonly bidStream = delegate(() => this.capabilities.market(), 'bidStream');
  readonly closeOrder = delegate(() => this.capabilities.market(), 'closeOrder');
  // validators by stake (issue 16, public mode): ./staking-host.ts
  readonly staking = delegate(() => this.capabilities.staking(), 'staking');
  readonly bond = delegate(() => this.capabilities.staking(), 'bond');
  readonly unbond = delegate(() => this.capabilities.staking(), 'unbond');
  // multi-signature permission (issue 16): ./multisig.ts
  readonly multisig = delegate(() => this.capabilities.multisig(), 'multisig');
  readonly proposeMultisig = delegate(() => this.capabilities.multisig(), 'proposeMultisig');
  readonly approveMultisig = delegate(() => this.capabilities.multisig(), 'approveMultisig');
  // validation of submitted data (issue 17, D-9.4): ./validation.ts
  readonly validation = delegate(() => this.capabilities.validation(), 'validation');
  readonly validate = delegate(() => this.capabilities.validation(), 'validate');
  /** A version chunk by chunk (not an RPC method: the HTTP content route streams it). */
  readonly readDatasetStream = async (
    dataset: string,
    options?: { version?: number; purpose?: string },
  ): Promise<DatasetReadStream> =>
    (await this.capabilities.datasets()).readDatasetStream(dataset, options);

  // supply-chain traceability (issue 17): ./trace.ts
  readonly traceRecord = delegate(() => this.capabilities.trace(), 'traceRecord');
  readonly traceTransfer = delegate(() => this.capabilities.trace(), 'traceTransfer');
  readonly traceSplit = delegate(() => this.capabilities.trace(), 'traceSplit');
  readonly traceMerge = delegate(() => this.capabilities.trace(), 'traceMerge');
  readonly traceLot = delegate(() => this.capabilities.trace(), 'traceLot');
  readonly traceBack = delegate(() => this.capabilities.trace(), 'traceBack');
  readonly deployContract = delegate(() => this.capabilities.contracts(), 'deployContract');
  readonly callContract = delegate(() => this.capabilities.contracts(), 'callContract');
  readonly contracts = delegate(() => this.capabilities.contracts(), 'contracts');
  // contract lifecycle (issue 17): ./contracts-host.ts
  readonly upgradeContract = delegate(() => this.capabilities.contracts(), 'upgradeContract');
  readonly retireContract = delegate(() => this.capabilities.contracts(), 'retireContract');
  readonly contract = delegate(() => this.capabilities.contracts(), 'contract');
  readonly scheduleTrigger = delegate(() => this.capabilities.contracts(), 'scheduleTrigger');
  readonly cancelTrigger = delegate(() => this.capabilities.contracts(), 'cancelTrigger');
  readonly triggers = delegate(() => this.capabilities.contracts(), 'triggers');
  // services outside the chain (issue 17, Y.4464 10.5): ./services.ts
  readonly services = delegate(() => this.capabilities.services(), 'services');
  readonly registerService = delegate(() => this.capabilities.services(), 'registerService');
  readonly requestServiceGrant = delegate(
    () => this.capabilities.services(),
    'requestServiceGrant',
  );
  readonly revokeServiceGrant = delegate(() => this.capabilities.services(), 'revokeServiceGrant');
  readonly serviceGrantProof = delegate(() => this.capabilities.services(), 'serviceGrantProof');
  readonly useService = delegate(() => this.capabilities.services(), 'useService');
  // the gateway's reorder rules (issue 16, U-II.4): ./reorder-host.ts
  readonly setReorderRule = delegate(() => this.capabilities.reorder(), 'setReorderRule');
  readonly reorderRules = delegate(() => this.capabilities.reorder(), 'reorderRules');
  readonly clearReorderRule = delegate(() => this.capabilities.reorder(), 'clearReorderRule');
  readonly reorderOrders = delegate(() => this.capabilities.reorder(), 'reorderOrders');
  // the procedures' notifications (issue 17, Y.4464 clause 10): ./notifications.ts
  readonly notifications = delegate(() => this.capabilities.notifications(), 'notifications');
  readonly subscribeNotifications = delegate(
    () => this.capabilities.notifications(),
    'subscribeNotifications',
  );
  readonly unsubscribeNotifications = delegate(
    () => this.capabilities.notifications(),
    'unsubscribeNotifications',
  );
  readonly notificationSubscriptions = delegate(
    () => this.capabilities.notifications(),
    'notificationSubscriptions',
  );
  // tokens (issue 16): ./tokens-host.ts
  readonly balance = delegate(() => this.capabilities.tokens(), 'balance');
  readonly transfer = delegate(() => this.capabilities.tokens(), 'transfer');
  readonly tokenHistory = delegate(() => this.capabilities.tokens(), 'tokenHistory');
  readonly setSpendingRule = delegate(() => this.capabilities.tokens(), 'setSpendingRule');
  readonly deviceTransfer = delegate(() => this.capabilities.devices(), 'deviceTransfer');
  // cross-chain operations (issue 18): ./xchain.ts
  readonly xchain = delegate(() => this.capabilities.xchain(), 'xchain');
  readonly xchainLink = delegate(() => this.capabilities.xchain(), 'xchainLink');
  readonly xchainLock = delegate(() => this.capabilities.xchain(), 'xchainLock');
  readonly xchainFund = delegate(() => this.capabilities.xchain(), 'xchainFund');

  // road conditions (issue 20): ./its.ts
  readonly itsNetwork = delegate(() => this.capabilities.its(), 'itsNetwork');
  readonly itsConditions = delegate(() => this.capabilities.its(), 'itsConditions');
  readonly itsCondition = delegate(() => this.capabilities.its(), 'itsCondition');
  readonly itsTripKeys = delegate(() => this.capabilities.its(), 'itsTripKeys');
  readonly itsCertify = delegate(() => this.capabilities.its(), 'itsCertify');
  readonly itsAddCertificates = delegate(() => this.capabilities.its(), 'itsAddCertificates');
  readonly itsStartTrip = delegate(() => this.capabilities.its(), 'itsStartTrip');
  readonly itsStopTrip = delegate(() => this.capabilities.its(), 'itsStopTrip');
  readonly itsReport = delegate(() => this.capabilities.its(), 'itsReport');
  readonly itsDrive = delegate(() => this.capabilities.its(), 'itsDrive');
  readonly itsRevoke = delegate(() => this.capabilities.its(), 'itsRevoke');
  readonly itsSettle = delegate(() => this.capabilities.its(), 'itsSettle');

  async verifyAuditLog(
    log: AuditExport,
    options?: { anchor?: { seq: number; hash: string } },
  ): Promise<AuditVerdict> {
    return verifyAuditLog(log, options);
  }
}
