import type { ChildProcess } from 'node:child_process';

export interface Started {
  port: number;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}
export interface StartedRedis extends Started {
  url: string;
}
export interface StartedRelay extends Started {
  url: string;
  log: string[];
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
}
export function freePort(): Promise<number>;
export function startRedis(port?: number): Promise<StartedRedis>;
export function startRelay(options?: {
  redisUrl?: string;
  port?: number;
  messagesPerSecond?: number;
}): Promise<StartedRelay>;
