// Engine speed source of Drive mode (issue 20): an ELM327 OBD-II adapter over Web Serial, driven
// by the same driver as the Devices page (app/devices/serial.ts startElm327, mode 01 PID 0D). The
// latest vehicle speed it read goes into each position report instead of the GPS speed while it
// is fresh; a stale or missing reading leaves the GPS speed (or the speed from the positions).
import { startElm327, type DeviceReading, type SerialLike } from '../../devices';

/** A speed from the adapter older than this is not used (the adapter polls about once a second). */
export const obdSpeedFreshMsMax = 5_000;

export interface ObdSpeed {
  speedKmh: number;
  /** When it was read (Date.now()). */
  at: number;
}

/** The vehicle speed of one adapter reading, or null when it has none (km/h, 0 to 255). */
export function obdSpeedOf(reading: DeviceReading): ObdSpeed | null {
  const speed = reading.values.speedKmh;
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0 || speed > 255) return null;
  return { speedKmh: speed, at: reading.at };
}

/** The speed to report at `now`: the adapter's while fresh, else null (use the GPS). */
export function freshObdSpeed(latest: ObdSpeed | null, now: number): number | null {
  if (!latest || now - latest.at > obdSpeedFreshMsMax || latest.at > now + obdSpeedFreshMsMax)
    return null;
  return latest.speedKmh;
}

export interface ObdLink {
  stop(): Promise<void>;
}

/**
 * Ask for the adapter's serial port (inside a click: the browser needs the user gesture), start
 * the ELM327 conversation and hand every vehicle speed to `onSpeed`; errors go to `onError`.
 */
export async function connectObd(
  onSpeed: (speed: ObdSpeed) => void,
  onError: (message: string) => void,
): Promise<ObdLink> {
  const serial = (navigator as Navigator & { serial?: SerialLike }).serial;
  if (!serial)
    throw new Error(
      'This browser has no Web Serial: the trip goes on with the GPS speed (Chromium or Chrome on a desktop or Android have it).',
    );
  const port = await serial.requestPort().catch((error: Error) => {
    throw new Error(
      error.name === 'NotFoundError'
        ? 'No serial port was chosen. Try again and pick the OBD-II adapter in the browser\u2019s list.'
        : error.message,
    );
  });
  return startElm327(port, {
    onReading(reading) {
      const speed = obdSpeedOf(reading);
      if (speed) onSpeed(speed);
    },
    onError,
  });
}
