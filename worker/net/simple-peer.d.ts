// The part of @thaunknown/simple-peer (lite build: data channels only) used by rtc-links.ts.
// The package ships no types. Fields starting with _ are its internals, read where the public
// API has no equivalent (the data channel's bufferedamountlow event, ICE restart).
declare module '@thaunknown/simple-peer/lite.js' {
  export interface SimplePeerOptions {
    initiator?: boolean;
    trickle?: boolean;
    config?: RTCConfiguration;
    channelConfig?: RTCDataChannelInit;
    offerOptions?: RTCOfferOptions;
  }
  export default class SimplePeer {
    constructor(options?: SimplePeerOptions);
    static WEBRTC_SUPPORT: boolean;
    readonly initiator: boolean;
    readonly destroyed: boolean;
    readonly connected: boolean;
    offerOptions: RTCOfferOptions & { iceRestart?: boolean };
    _channel: RTCDataChannel | null;
    _pc: RTCPeerConnection | null;
    signal(data: unknown): void;
    send(chunk: Uint8Array): void;
    negotiate(): void;
    destroy(error?: Error): void;
    on(
      event: 'signal',
      listener: (data: {
        type: string;
        sdp?: string;
        candidate?: { candidate: string; sdpMLineIndex: number | null; sdpMid: string | null };
      }) => void,
    ): this;
    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    on(
      event: 'iceStateChange',
      listener: (iceConnectionState: string, iceGatheringState: string) => void,
    ): this;
    on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
  }
}
