// Reading a QR code from camera frames or from an image file (issue 21): the browser's own
// BarcodeDetector where it has one with QR support, else zxing-wasm, loaded on first use
// (app/lib/qr-zxing.ts). Errors a person can meet are QrScanError values in plain words.

/** Largest image file read (a phone photo is 2 to 12 MB; anything larger is not a photo). */
export const qrImageBytesMax = 25 * 1024 * 1024;
/** Longest side a frame or image is scaled down to before decoding (speed; QR codes stay legible). */
export const qrFrameSideMax = 1280;
/** Time between two camera frames tried (about 5 a second: quick to find, light on a battery). */
export const qrScanIntervalMs = 200;
/** How long the camera stays on without finding a code before the scan stops by itself. */
export const qrScanTimeMaxMs = 2 * 60 * 1000;

export class QrScanError extends Error {
  override readonly name = 'QrScanError';
}

export type QrDecoderName = 'BarcodeDetector' | 'zxing-wasm';
type Decode = (image: ImageData) => Promise<string | null>;
export interface QrDecoder {
  name: QrDecoderName;
  decode: Decode;
}

interface NativeDetector {
  detect(image: ImageData): Promise<Array<{ rawValue: string }>>;
}
interface NativeDetectorClass {
  new (options: { formats: string[] }): NativeDetector;
  getSupportedFormats?(): Promise<string[]>;
}

let chosen: Promise<QrDecoder> | null = null;

/** The decoder this browser uses; the first call picks it (and loads zxing-wasm if needed). */
export function qrDecoder(): Promise<QrDecoder> {
  chosen ??= pickDecoder().catch((error) => {
    chosen = null; // a failed load (say, offline before the wasm was cached) may be retried
    throw new QrScanError(
      `The QR reader could not be loaded (${(error as Error).message}). Paste the link instead.`,
    );
  });
  return chosen;
}

async function pickDecoder(): Promise<QrDecoder> {
  const Native = (globalThis as { BarcodeDetector?: NativeDetectorClass }).BarcodeDetector;
  const formats = await Native?.getSupportedFormats?.().catch((): string[] => []);
  if (Native && formats?.includes('qr_code')) {
    const detector = new Native({ formats: ['qr_code'] });
    return {
      name: 'BarcodeDetector',
      decode: async (image) => (await detector.detect(image))[0]?.rawValue ?? null,
    };
  }
  const { decodeQrWithZxing } = await import('./qr-zxing');
  return { name: 'zxing-wasm', decode: decodeQrWithZxing };
}

/** Width and height scaled so the longer side is at most qrFrameSideMax. */
export function scaledSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, qrFrameSideMax / Math.max(width, height, 1));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** The pixels of a video frame or a decoded image, scaled down to qrFrameSideMax. */
export function pixelsOf(source: CanvasImageSource, width: number, height: number): ImageData {
  const size = scaledSize(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new QrScanError('This browser cannot draw images; paste the link instead.');
  context.drawImage(source, 0, 0, size.width, size.height);
  return context.getImageData(0, 0, size.width, size.height);
}

/** The text of the QR code in an image file (a photo or a screenshot of the code). */
export async function decodeQrFile(file: Blob): Promise<string> {
  if (file.size === 0) throw new QrScanError('This file is empty. Choose a photo of the QR code.');
  if (file.size > qrImageBytesMax) {
    throw new QrScanError(
      `This file is ${Math.round(file.size / 1024 / 1024)} MB, more than a photo of a QR code (at most ${qrImageBytesMax / 1024 / 1024} MB).`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new QrScanError(
      'This file is not an image the browser can read. Choose a photo or a screenshot (PNG or JPEG) of the QR code.',
    );
  }
  const pixels = pixelsOf(bitmap, bitmap.width, bitmap.height);
  bitmap.close();
  const text = await (await qrDecoder()).decode(pixels);
  if (text === null) {
    throw new QrScanError(
      'No QR code was found in this image. Take the photo closer, with the whole code in view and in focus.',
    );
  }
  return text;
}

/** Plain words for a getUserMedia failure. */
export function cameraErrorText(error: unknown): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'The camera was not allowed. Allow the camera for this site, or scan from an image.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'This device has no camera the page can use. Scan from an image instead.';
  if (name === 'NotReadableError' || name === 'AbortError')
    return 'The camera is busy in another app. Close it there and try again, or scan from an image.';
  return `The camera could not be opened (${(error as Error)?.message ?? String(error)}). Scan from an image instead.`;
}
