// Sending on a link: the hub's queue per link, the window of bytes handed to the driver, and
// bundling of small frames (Nagle's rule). The driver reports what it handed to the channel
// with onSent (driver.ts, the pacing contract), which lets more through.
import type { LinkDriver } from './driver';
import {
  bundleChunks,
  bundledBytes,
  chunkFrame,
  frameLength,
  isWholeFrameChunk,
  type FrameBytes,
} from './framing';
import * as limits from './limits';
import type { Link } from './link';
import { short } from './names';

export class LinkSender {
  constructor(
    private readonly driver: Pick<LinkDriver, 'send'>,
    private readonly log: (level: 'warn', message: string) => void,
  ) {}

  /** Whether send would take a frame of `bytes` on `link`. */
  wouldQueue(link: Link, bytes: number): boolean {
    return (
      link.authenticated &&
      !link.closed &&
      bytes <= limits.frameBytesMax &&
      link.queuedBytes + bytes <= limits.linkQueueBytesMax
    );
  }

  /**
   * Queue one encoded frame (whole or in parts) on an authenticated link; false (and logged)
   * when refused. The frame is copied into the link's chunks before this returns.
   */
  send(link: Link, frame: FrameBytes): boolean {
    if (!link.authenticated || link.closed) return false;
    const length = frameLength(frame);
    if (length > limits.frameBytesMax) {
      this.log(
        'warn',
        `A message of ${length} bytes was not sent (limit ${limits.frameBytesMax}).`,
      );
      return false;
    }
    if (link.queuedBytes + length > limits.linkQueueBytesMax) {
      this.log(
        'warn',
        `The link to ${short(link.did)} is backed up; a message of ${length} bytes was not sent.`,
      );
      return false;
    }
    this.enqueue(link, chunkFrame(frame));
    return true;
  }

  /** The hello goes first, ahead of anything queued, and opens the link for sending. */
  sendHello(link: Link, frame: Uint8Array): void {
    const chunks = chunkFrame(frame);
    link.queue.unshift(...chunks);
    for (const chunk of chunks) link.queuedBytes += chunk.length;
    link.helloSent = true;
    this.pump(link);
  }

  enqueue(link: Link, chunks: Uint8Array[]): void {
    for (const chunk of chunks) {
      link.queue.push(chunk);
      link.queuedBytes += chunk.length;
    }
    this.pump(link);
  }

  /** The driver handed `bytes` to the channel. */
  onSent(link: Link, bytes: number): void {
    link.inFlightBytes = Math.max(0, link.inFlightBytes - bytes);
    this.pump(link);
  }

  /** Hand chunks to the driver while less than linkWindowBytes are outstanding there. */
  private pump(link: Link): void {
    while (
      link.helloSent &&
      link.queue.length > 0 &&
      link.inFlightBytes < limits.linkWindowBytes &&
      !link.closed
    ) {
      const chunk = nextChunk(link);
      if (!chunk) return;
      link.inFlightBytes += chunk.length;
      this.driver.send(link.id, chunk);
    }
  }
}

/**
 * The next chunk to hand over. Whole small frames at the head of the queue go as one bundle
 * (framing.ts); while bundleHoldInFlightBytes or more are in flight and they fill less than
 * half a chunk, they wait for an onSent (Nagle's rule): a lightly used link (a vote now and
 * then) sends at once, a busy one sends fewer, fuller messages. null: wait.
 */
function nextChunk(link: Link): Uint8Array | null {
  let count = 0;
  let bytes = 1;
  for (const chunk of link.queue) {
    if (!isWholeFrameChunk(chunk) || bytes + bundledBytes(chunk) > limits.chunkBytesMax) break;
    bytes += bundledBytes(chunk);
    count++;
  }
  if (count === 0) {
    const chunk = link.queue.shift()!;
    link.queuedBytes -= chunk.length;
    return chunk;
  }
  if (
    link.inFlightBytes >= limits.bundleHoldInFlightBytes &&
    count === link.queue.length &&
    bytes * 2 < limits.chunkBytesMax
  )
    return null;
  const parts = link.queue.splice(0, count);
  for (const part of parts) link.queuedBytes -= part.length;
  return bundleChunks(parts);
}
