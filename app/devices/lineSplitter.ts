// Line framing for serial transports (Web Serial, the fake navigator.serial in e2e): feed it chunks
// as they arrive, get back complete lines. Pure, no I/O, bounded memory.
//
// - A line ends at CR, LF or CR LF; a CR LF split across two chunks still counts once.
// - The ELM327 prompt `>` (ELM327 datasheet: sent after the reply, with no line end after it) is
//   reported as its own event, so a caller can tell that the adapter is ready for a command.
// - Empty lines (the ELM327 ends each reply with CR CR) are dropped unless asked for.
// - A line longer than `lineCharactersMax` is dropped and reported once as an error event; the
//   splitter skips to the next line end and carries on. A partial line is kept until completed.
//   Characters are counted as JavaScript counts a string's length (UTF-16 code units): a
//   character outside the Basic Multilingual Plane (an emoji) counts two, so a kept line's
//   `text.length` never exceeds the limit, even when such a character falls at the edge.
// - NUL bytes are dropped (an ELM327 may send them after power-up).
// Bytes are decoded as UTF-8 in streaming mode, so a character split across chunks is kept whole.

import { DeviceDataError } from './errors';
import { serialLineCharactersMax } from './limits';

export type LineEvent =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'prompt' }
  | { readonly kind: 'error'; readonly error: DeviceDataError };

export interface LineSplitterOptions {
  /** Longest line kept, in UTF-16 code units as `text.length` counts them (default serialLineCharactersMax). */
  readonly lineCharactersMax?: number;
  /** The prompt character reported as a `prompt` event; null turns prompts off (NMEA, Arduino). */
  readonly prompt?: string | null;
  /** Report empty lines as `line` events with text "". */
  readonly keepEmptyLines?: boolean;
}

export class LineSplitter {
  readonly lineCharactersMax: number;
  private readonly prompt: string | null;
  private readonly keepEmptyLines: boolean;
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private discarding = false;
  private afterCarriageReturn = false;

  constructor(options: LineSplitterOptions = {}) {
    const max = options.lineCharactersMax ?? serialLineCharactersMax;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `LineSplitter: options.lineCharactersMax must be a positive integer, got ${max}`,
      );
    }
    const prompt = options.prompt === undefined ? '>' : options.prompt;
    if (prompt !== null && (prompt.length !== 1 || prompt === '\r' || prompt === '\n')) {
      throw new RangeError(
        'LineSplitter: options.prompt must be one character other than CR or LF, or null',
      );
    }
    this.lineCharactersMax = max;
    this.prompt = prompt;
    this.keepEmptyLines = options.keepEmptyLines ?? false;
  }

  /** Feeds one chunk; returns the events it completes, in order. */
  feed(chunk: Uint8Array | string): LineEvent[] {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else if (chunk instanceof Uint8Array) text = this.decoder.decode(chunk, { stream: true });
    else throw new TypeError('LineSplitter.feed: chunk must be a Uint8Array or a string');
    const events: LineEvent[] = [];
    for (const character of text) this.take(character, events);
    return events;
  }

  /**
   * Ends the stream (port closed): a pending partial line is returned as a line. Without this call
   * a partial line simply waits for the rest.
   */
  flush(): LineEvent[] {
    const events: LineEvent[] = [];
    for (const character of this.decoder.decode()) this.take(character, events);
    if (!this.discarding && this.pending !== '') events.push({ kind: 'line', text: this.pending });
    this.reset();
    return events;
  }

  /** Forgets any partial line (e.g. after sending a new command). */
  reset(): void {
    this.pending = '';
    this.discarding = false;
    this.afterCarriageReturn = false;
  }

  /** Characters of the partial line held now (0 while skipping an over-long line). */
  get pendingCharacters(): number {
    return this.pending.length;
  }

  private take(character: string, events: LineEvent[]): void {
    const wasAfterCarriageReturn = this.afterCarriageReturn;
    this.afterCarriageReturn = character === '\r';
    if (character === '\n' && wasAfterCarriageReturn) return; // second half of CR LF
    if (character === '\r' || character === '\n') return this.endLine(events);
    if (character === '\0') return;
    if (character === this.prompt) {
      // The prompt means the device is ready again, even right after a dropped line.
      if (this.discarding || this.pending !== '') this.endLine(events);
      events.push({ kind: 'prompt' });
      return;
    }
    if (this.discarding) return;
    // `character` is one code point: one or two code units; the whole of it must fit.
    if (this.pending.length + character.length > this.lineCharactersMax) {
      this.pending = '';
      this.discarding = true;
      events.push({
        kind: 'error',
        error: new DeviceDataError(
          'LINE_TOO_LONG',
          `Serial line longer than ${this.lineCharactersMax} characters; it was dropped. Check the baud rate and the device.`,
        ),
      });
      return;
    }
    this.pending += character;
  }

  private endLine(events: LineEvent[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const text = this.pending;
    this.pending = '';
    if (text !== '' || this.keepEmptyLines) events.push({ kind: 'line', text });
  }
}
