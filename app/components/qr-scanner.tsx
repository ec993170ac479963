// Scan an invite's QR code (issue 21): with the camera (getUserMedia, frames read about five times
// a second) or from an image file, which is what the installed app offers where the camera app
// would open the browser instead. A decoded invite opens the Join page; anything else is a plain
// message. The decoder is loaded on the first scan (app/lib/qr-scan.ts).
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { navigate } from '../router';
import { inviteCodeFrom, joinRoute } from '../lib/join';
import {
  cameraErrorText,
  decodeQrFile,
  pixelsOf,
  qrDecoder,
  qrScanIntervalMs,
  qrScanTimeMaxMs,
  type QrDecoderName,
} from '../lib/qr-scan';

/** Open the Join page for a decoded text, or say why it is not an invite. */
function openInvite(text: string): string | null {
  try {
    navigate(joinRoute(inviteCodeFrom(text)));
    return null;
  } catch (error) {
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    return `This QR code holds “${shown}”, not a BoT invite link. ${(error as Error).message}`;
  }
}

/**
 * `onText` takes a decoded text and returns null when it was used (the camera stops) or a
 * message saying why not (default: open an invite; the Trace page reads a product identifier).
 */
export function QrScanner({
  onText = openInvite,
  aim = 'Point the camera at the invite’s QR code.',
}: {
  onText?: (text: string) => string | null;
  aim?: string;
} = {}) {
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [scanning, setScanning] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [decoder, setDecoder] = useState<QrDecoderName | null>(null);
  const [reading, setReading] = useState(false);

  function stop() {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    for (const track of stream.current?.getTracks() ?? []) track.stop();
    stream.current = null;
    setScanning(false);
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: stop only touches refs and state
  useEffect(() => stop, []);

  async function start() {
    setMessage(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setMessage('This browser gives the page no camera. Scan from an image instead.');
      return;
    }
    try {
      const qr = await qrDecoder();
      setDecoder(qr.name);
      stream.current = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment' },
        audio: false,
      });
      setScanning(true);
      const until = Date.now() + qrScanTimeMaxMs;
      const tick = async () => {
        const v = video.current;
        if (!stream.current) return;
        if (Date.now() > until) {
          stop();
          setMessage('No QR code was seen for two minutes; the camera is off. Try again.');
          return;
        }
        if (v && v.srcObject !== stream.current) {
          v.srcObject = stream.current;
          await v.play().catch(() => undefined);
        }
        if (v && v.readyState >= 2 && v.videoWidth > 0) {
          const text = await qr.decode(pixelsOf(v, v.videoWidth, v.videoHeight)).catch(() => null);
          if (text !== null && stream.current) {
            const problem = onText(text);
            if (!problem) return stop();
            setMessage(problem);
          }
        }
        timer.current = setTimeout(() => void tick(), qrScanIntervalMs);
      };
      timer.current = setTimeout(() => void tick(), 0);
    } catch (error) {
      stop();
      setMessage(
        error instanceof Error && error.name === 'QrScanError'
          ? error.message
          : cameraErrorText(error),
      );
    }
  }

  async function fromFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = ''; // the same file chosen again is read again
    if (!file) return;
    stop();
    setMessage(null);
    setReading(true);
    try {
      setDecoder((await qrDecoder()).name);
      setMessage(onText(await decodeQrFile(file)));
    } catch (error) {
      setMessage((error as Error).message);
    } finally {
      setReading(false);
    }
  }

  return (
    <div className="scanner" data-testid="qr-scanner" data-decoder={decoder ?? ''}>
      <div className="row">
        {scanning ? (
          <button type="button" className="secondary" onClick={stop}>
            Stop the camera
          </button>
        ) : (
          <button type="button" onClick={() => void start()}>
            Scan QR
          </button>
        )}
        <label>
          Scan from an image
          <input type="file" accept="image/*" onChange={(e) => void fromFile(e)} />
        </label>
      </div>
      {scanning && (
        <>
          <p className="muted" aria-live="polite">
            {aim}
          </p>
          <video ref={video} className="scanner-video" muted playsInline aria-label="Camera view" />
        </>
      )}
      {reading && (
        <p className="muted" aria-live="polite">
          Reading the image…
        </p>
      )}
      {message && (
        <p role="alert" className="error" data-testid="scan-message">
          {message}
        </p>
      )}
    </div>
  );
}
