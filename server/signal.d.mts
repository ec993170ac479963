import type { Server } from 'node:http';

export const signalMessageBytesMax: number;
export const roomPeersMax: number;
export const roomsMax: number;
export const messagesPerSecondMax: number;
export const floodFactor: number;
export const heartbeatMs: number;
export const redisRetryMinMs: number;
export const redisRetryMaxMs: number;
export const didLengthMax: number;

export interface SignalRelay {
  rooms(): Map<string, number>;
  shared(): boolean;
  close(): void;
}

export function attachSignal(
  server: Server,
  options?: {
    path?: string;
    redisUrl?: string;
    messagesPerSecond?: number;
    log?: (line: string) => void;
  },
): SignalRelay;
