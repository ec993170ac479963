// Plain formatting helpers (tested without React).

export function short(text: string, length = 10): string {
  return text.length > length * 2 ? `${text.slice(0, length)}…${text.slice(-6)}` : text;
}

export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** A JSON value for display, bounded. */
export function preview(value: unknown, lengthMax = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > lengthMax ? `${text.slice(0, lengthMax)}…` : text;
}

/** A whole amount typed by a person, or a plain reason why not. */
export function parseAmount(text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed))
    throw new Error('Type the amount as a whole number of tokens, such as 25.');
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error('The amount must be at least 1 and at most 9007199254740991.');
  return value;
}

/** The JSON arguments of a contract method typed in a form (empty: none); throws a plain message. */
export function parseArgs(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(
      `The arguments are not JSON (${(error as Error).message}). Write them as {"by": 2}.`,
    );
  }
}
