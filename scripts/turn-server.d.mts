export const turnIp: string;
export const turnPort: number;
export const relayPorts: [number, number];
export const turnUser: string;
export const turnPassword: string;
export function turnServerPath(): string | null;
export function nftPath(): string | null;
export function assertInTestNamespace(): void;
export interface StartedTurn {
  urls: string;
  username: string;
  credential: string;
  log: string[];
  allocations(): number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}
export function startTurn(): Promise<StartedTurn>;
export function blockDirectPaths(): void;
export function droppedPackets(): number;
export function unblockDirectPaths(): void;
export function setInterface(up: boolean): void;
