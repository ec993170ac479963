import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineEvent } from './lineSplitter';
import { serialLineCharactersMax } from './limits';

const encoder = new TextEncoder();

function lines(events: readonly LineEvent[]): string[] {
  return events.flatMap((event) => (event.kind === 'line' ? [event.text] : []));
}

function summary(events: readonly LineEvent[]): string[] {
  return events.map((event) =>
    event.kind === 'line'
      ? `line:${event.text}`
      : event.kind === 'prompt'
        ? 'prompt'
        : `error:${event.error.code}`,
  );
}

describe('LineSplitter', () => {
  it('splits an ELM327 reply into its lines and the prompt', () => {
    const splitter = new LineSplitter();
    expect(summary(splitter.feed('ATZ\r\rELM327 v1.5\r\r>'))).toEqual([
      'line:ATZ',
      'line:ELM327 v1.5',
      'prompt',
    ]);
  });

  it('handles CR, LF and CR LF, even when CR LF is split across chunks', () => {
    const splitter = new LineSplitter({ prompt: null });
    expect(lines(splitter.feed('a\rb\nc\r'))).toEqual(['a', 'b', 'c']);
    expect(lines(splitter.feed('\nd\r\n'))).toEqual(['d']);
  });

  it('keeps a partial line until it is completed', () => {
    const splitter = new LineSplitter({ prompt: null });
    expect(splitter.feed('$GPGGA,1235')).toEqual([]);
    expect(splitter.pendingCharacters).toBe(11);
    expect(lines(splitter.feed('19,4807.038\r\n$GPRMC'))).toEqual(['$GPGGA,123519,4807.038']);
    expect(lines(splitter.flush())).toEqual(['$GPRMC']);
  });

  it('decodes bytes, including a UTF-8 character split across two chunks', () => {
    const splitter = new LineSplitter();
    const bytes = encoder.encode('21.5 °C\r\n');
    const cut = bytes.indexOf(0xc2) + 1; // between the two bytes of "°"
    expect(splitter.feed(bytes.slice(0, cut))).toEqual([]);
    expect(lines(splitter.feed(bytes.slice(cut)))).toEqual(['21.5 °C']);
  });

  it('drops an over-long line with one error, then carries on with the next line', () => {
    const splitter = new LineSplitter({ lineCharactersMax: 8, prompt: null });
    const events = splitter.feed('0123456789ABCDEF\r\nshort\r\n');
    expect(summary(events)).toEqual(['error:LINE_TOO_LONG', 'line:short']);
    const error = events[0];
    expect(error?.kind === 'error' && error.error.message).toMatch(/longer than 8 characters/);
  });

  it('the limit is enforced across chunks, and memory stays bounded', () => {
    const splitter = new LineSplitter({ prompt: null });
    const events: LineEvent[] = [];
    for (let i = 0; i < 100; i++) events.push(...splitter.feed('x'.repeat(100)));
    expect(summary(events)).toEqual(['error:LINE_TOO_LONG']);
    expect(splitter.pendingCharacters).toBe(0);
    expect(lines(splitter.feed('\rnext\r'))).toEqual(['next']);
    expect(serialLineCharactersMax).toBeGreaterThanOrEqual(82);
  });

  it('a prompt ends a line that was being dropped: the device is ready again', () => {
    const splitter = new LineSplitter({ lineCharactersMax: 4 });
    expect(summary(splitter.feed('garbage garbage>'))).toEqual(['error:LINE_TOO_LONG', 'prompt']);
    expect(summary(splitter.feed('OK\r'))).toEqual(['line:OK']);
  });

  it('reports empty lines only when asked', () => {
    expect(lines(new LineSplitter({ keepEmptyLines: true }).feed('OK\r\r>'))).toEqual(['OK', '']);
  });

  it('ignores NUL bytes and treats > as text when prompts are off', () => {
    expect(lines(new LineSplitter({ prompt: null }).feed('\0\0a > b\n'))).toEqual(['a > b']);
  });

  it('checks its options and chunk type', () => {
    expect(() => new LineSplitter({ lineCharactersMax: 0 })).toThrow(RangeError);
    expect(() => new LineSplitter({ prompt: '\r' })).toThrow(RangeError);
    expect(() => new LineSplitter().feed(42 as unknown as string)).toThrow(TypeError);
  });

  it('property: however the stream is cut into chunks, the events are the same', () => {
    const alphabet = fc.constantFrom('a', 'b', '\r', '\n', '>', ' ', '\0', '€');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (characters, cuts) => {
          const text = characters.join('');
          const whole = new LineSplitter({ lineCharactersMax: 16 });
          const expected = [...whole.feed(text), ...whole.flush()];
          const bytes = encoder.encode(text);
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunked = new LineSplitter({ lineCharactersMax: 16 });
          const actual: LineEvent[] = [];
          let from = 0;
          for (const point of [...points, bytes.length]) {
            actual.push(...chunked.feed(bytes.slice(from, point)));
            from = point;
          }
          actual.push(...chunked.flush());
          expect(summary(actual)).toEqual(summary(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: lines never contain CR or LF, never exceed the limit, and rejoin to the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('x', 'y', '\r', '\n', '\r\n'), { maxLength: 100 }),
        (pieces) => {
          const text = pieces.join('');
          const splitter = new LineSplitter({
            lineCharactersMax: 1000,
            prompt: null,
            keepEmptyLines: true,
          });
          const out = lines([...splitter.feed(text), ...splitter.flush()]);
          for (const line of out) {
            expect(line).not.toMatch(/[\r\n]/);
            expect(line.length).toBeLessThanOrEqual(1000);
          }
          expect(out.join('')).toBe(text.replace(/[\r\n]/g, ''));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('LineSplitter: the limit counts code units, as text.length does', () => {
  it('drops a line whose last character is two units wide and would end one unit past the limit', () => {
    const splitter = new LineSplitter({ prompt: null });
    const line = 'x'.repeat(serialLineCharactersMax - 1) + '😀'; // 511 + 2 = 513 units
    expect(line.length).toBe(serialLineCharactersMax + 1);
    expect(summary(splitter.feed(`${line}\r\nok\r\n`))).toEqual(['error:LINE_TOO_LONG', 'line:ok']);
  });

  it('keeps a line that ends exactly at the limit with a two-unit character', () => {
    const splitter = new LineSplitter({ prompt: null });
    const line = 'x'.repeat(serialLineCharactersMax - 2) + '😀';
    expect(lines(splitter.feed(`${line}\n`))).toEqual([line]);
  });

  it('property: no line longer than the limit is ever kept, and every line within it is kept whole', () => {
    const piece = fc.constantFrom('a', '€', '😀', '𝄞', '\n');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 120 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (pieces, max, cuts) => {
          const text = pieces.join('');
          const bytes = encoder.encode(text);
          const splitter = new LineSplitter({ lineCharactersMax: max, prompt: null });
          const events: LineEvent[] = [];
          let from = 0;
          for (const point of [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          )) {
            events.push(...splitter.feed(bytes.slice(from, point)));
            from = point;
          }
          events.push(...splitter.feed(bytes.slice(from)), ...splitter.flush());
          const expected = text.split('\n').filter((line) => line !== '');
          const kept = expected.filter((line) => line.length <= max);
          expect(lines(events)).toEqual(kept);
          expect(events.filter((event) => event.kind === 'error')).toHaveLength(
            expected.length - kept.length,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
