// The QR decoder for browsers without BarcodeDetector (Chromium on Linux and Windows, Firefox,
// Safari before 17): ZXing-C++ compiled to WebAssembly (zxing-wasm, pinned). Loaded only with
// import() when a scan starts, so neither it nor its 0.9 MB of wasm is in the main bundle. The
// wasm comes from this app's own origin (the service worker precaches it, so scanning works
// offline); zxing-wasm's default would fetch it from a CDN.
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

prepareZXingModule({
  overrides: {
    locateFile: (path: string, prefix: string) =>
      path.endsWith('.wasm') ? wasmUrl : prefix + path,
  },
});

/** The text of the first valid QR code in `image`, or null when there is none. */
export async function decodeQrWithZxing(image: ImageData): Promise<string | null> {
  const results = await readBarcodes(image, {
    formats: ['QRCode'],
    tryHarder: true,
    maxNumberOfSymbols: 1,
  });
  return results.find((r) => r.isValid)?.text ?? null;
}
