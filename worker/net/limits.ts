// Every bound the network layer enforces, in one place (see worker/core/limits.ts for the
// ledger's). Names say units last. A limit that is hit closes the offending link or drops the
// offending message with a logged reason; it never crashes the peer.
import { consensusMessageBytesMax } from '../core/limits';

/** One data-channel message. Chromium and libdatachannel both deliver 64 KiB messages whole. */
export const chunkBytesMax = 64 * 1024;
/** One reassembled frame: the largest consensus message or sync batch, plus framing room. */
export const frameBytesMax = consensusMessageBytesMax + 64 * 1024;
/** The hello (handshake) frame: did, room, two fingerprints and a signature, as JSON. */
export const helloBytesMax = 2 * 1024;
/** A hello must arrive this soon after the data channel opens, or the link is closed. */
export const helloTimeoutMs = 10_000;
/** One signaling envelope (JSON), on any path: BroadcastChannel, relay, or through peers. */
export const signalBytesMax = 16 * 1024;
/** One SDP inside a signaling envelope. */
export const sdpBytesMax = 12 * 1024;
/** One trickled ICE candidate line. */
export const candidateBytesMax = 512;
/** Trickled ICE candidates accepted for one link. */
export const candidatesPerLinkMax = 32;
/** Candidates held for links whose offer has not arrived yet (they can overtake it on another path). */
export const earlyCandidatesMax = 64;

/** Chromium closes a data channel whose send buffer overflows 16 MiB; pause well below it. */
export const sendBufferHighBytes = 1024 * 1024;
/** Resume sending when the channel's buffer drains to this (`bufferedamountlow`). */
export const sendBufferLowBytes = 256 * 1024;
/** Bytes handed to the transport (page or Node) and not yet given to the channel. */
export const linkWindowBytes = 2 * 1024 * 1024;
/** Bytes in flight on a link above which small frames wait to go as one bundle (hub.nextChunk). */
export const bundleHoldInFlightBytes = 8 * 1024;
/** Bytes queued for one link in the hub; a frame that would pass this is refused. */
export const linkQueueBytesMax = 32 * 1024 * 1024;

/**
 * The overlay (overlay.ts): links a peer keeps to peers other than its fellow validators, by
 * default and the range the setting `linksMax` may take. A validator's links to the other
 * validators come on top, up to validatorLinksMax.
 */
export const linksMaxDefault = 12;
export const linksMaxMin = 2;
export const linksMaxMax = 64;
/** Links a validator keeps to the other validators (a validator set of up to 100). */
export const validatorLinksMax = 100;
/** Links being made (not authenticated yet) beyond the limits above; offers beyond are ignored. */
export const linksConnectingMax = 16;
/**
 * Of linksConnectingMax, at most this many are our own dials; the rest is kept for answering
 * offers. With every place taken by dials, offers were ignored: validators dialing one another
 * each waited dialAnswerTimeoutMs on offers the others ignored, without a link meanwhile (issue
 * 19: five of 50 validators outside the gossip at 100 peers; worker/net/dial-budget.test.ts).
 */
export const linksDialingMax = 8;
/**
 * A peer at its link limit takes a newly announced peer in place of its lowest-ranked link only
 * when their link ranks in the top overlaySwitchShare x linksMax of the peers it knows: a
 * newcomer is wanted by about that many peers instead of by every full peer of the room.
 */
export const overlaySwitchShare = 2;
/** Peers remembered from announces (oldest forgotten first). */
export const knownPeersMax = 1024;

/**
 * Gossip hops a broadcast may travel. Flooding on the bounded-degree overlay reaches every peer
 * in about log(n)/log(linksMax - 1) hops (5 for 1,000 peers at linksMax 4; bench/sim.ts).
 */
export const gossipTtl = 16;
/** Gossip message ids remembered for de-duplication (least recently seen forgotten first). */
export const seenIdsMax = 16_384;
/** Bytes of a gossip message id. */
export const messageIdBytes = 16;
/** Bytes of a peer tag in a gossip frame's covered list (wire.ts peerTag). */
export const peerTagBytes = 8;
/**
 * Peer tags a gossip frame may carry as covered (peers that have it or were sent it). A
 * forwarder adds its own recipients up to this; beyond it, it forwards without adding them
 * (more duplicates, never a lost message).
 */
export const gossipCoveredMax = 32;
/** Hops a signaling envelope may travel through peers. */
export const peerSignalTtl = 3;

/** Keep-alive and round-trip probe on every open link. */
export const pingIntervalMs = 2_000;
/** A link that answered no ping for this long is closed (and redialed). */
export const linkSilenceMsMax = 30_000;
/**
 * A hub tick this late means the peer was frozen (a background phone app or tab, a laptop
 * asleep): it starts a new session so that every link is made fresh (hub.ts resume).
 */
export const resumeGapMs = 5_000;
/**
 * A link we dialed whose offer got no answer within this is closed: the peer is gone or does not
 * want the link (overlay.ts), and the attempt must not hold a place under linksMax.
 */
export const dialAnswerTimeoutMs = 5_000;
/** A link that did not open (ICE, DTLS, hello) within this is closed. */
export const linkConnectTimeoutMs = 30_000;
/** ICE disconnected this long on a link we dialed: try an ICE restart. */
export const iceRestartAfterMs = 3_000;
/** Redial backoff after a link to a wanted peer drops: first and largest wait. */
export const redialBackoffMinMs = 1_000;
export const redialBackoffMaxMs = 30_000;
/** How often a peer with too few links announces itself again. */
export const announceIntervalMs = 10_000;
/**
 * How often a peer with all its links announces itself all the same: peers that rank it high
 * link with it, so two parts of the overlay that each filled up on their own find each other.
 */
export const overlayRefreshMs = 15_000;
/**
 * A peer heard from (an announce, or an open link) within this is on this peer's ring
 * (overlay.ts ringNeighbours). Every peer announces at least every overlayRefreshMs: two
 * refreshes and a margin, so a slow tick does not take a live peer off the ring.
 */
export const ringAliveMs = 2 * overlayRefreshMs + 10_000;
/** The ring neighbours are recomputed at least this often (and whenever a new peer announces). */
export const ringRecomputeMs = 1_000;
/** Least time between two targeted answers to announces from the same peer. */
export const announceReplyIntervalMs = 2_000;
/** How long a dropped peer is refused. */
export const dropBanMs = 60_000;
/** Peers on the refused list at once (oldest forgotten first). */
export const bannedPeersMax = 1024;

/** Relay reconnect backoff: first and largest wait. */
export const relayBackoffMinMs = 1_000;
export const relayBackoffMaxMs = 30_000;
/** Relay URLs used at once (from Settings). */
export const relaysMax = 8;

/** Peers whose refused gossip (not readers of the chain) is logged by name; the rest only counted. */
export const gossipRefusedLoggedMax = 64;

// ---- The direct channel: a link's data channel moved into the worker (worker/net/direct.ts) ----
/** The SCTP stream id of the negotiated channel a page moves to its worker (simple-peer's own channel takes 0 or 1). */
export const directChannelId = 100;
/** A driver-level hello goes on a direct channel this often until the remote answers it. */
export const directHelloIntervalMs = 200;
/** Hellos sent without hearing anything from the remote before the link stays on the page path. */
export const directHellosMax = 50;
/** Chunks that came on the direct channel ahead of the remote's switch marker (on the page path) are held up to this many bytes; more closes the link. */
export const directEarlyBytesMax = 16 * 1024 * 1024;
