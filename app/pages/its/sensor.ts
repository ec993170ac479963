// The road sensor of Drive mode (issue 20): a Bluetooth environmental sensor (GATT
// Environmental Sensing, Humidity 0x2A6F and Temperature 0x2A6E, decoded by app/devices/gatt.ts)
// read while a trip runs; its readings go into each position report.
import { decodeHumidity, decodeTemperature } from '../../devices';

export interface RoadReading {
  humidityPct?: number;
  temperatureC?: number;
}

/** The report fields of one pair of characteristic values (a value the sensor does not know is left out). */
export function roadReadingOf(
  humidity: DataView | null,
  temperature: DataView | null,
): RoadReading {
  const reading: RoadReading = {};
  const h = humidity ? decodeHumidity(humidity).percent : null;
  const t = temperature ? decodeTemperature(temperature).celsius : null;
  if (h !== null) reading.humidityPct = h;
  if (t !== null) reading.temperatureC = t;
  return reading;
}

interface Characteristic {
  readValue(): Promise<DataView>;
}
interface BluetoothLike {
  requestDevice(options: { filters: Array<{ services: string[] }> }): Promise<{
    gatt?: {
      connect(): Promise<{
        getPrimaryService(name: string): Promise<{
          getCharacteristic(name: string): Promise<Characteristic>;
        }>;
      }>;
    };
  }>;
}

/** Ask for an environmental sensor (a user gesture) and return a function that reads it. */
export async function connectRoadSensor(): Promise<() => Promise<RoadReading>> {
  const bluetooth = (navigator as Navigator & { bluetooth?: BluetoothLike }).bluetooth;
  if (!bluetooth)
    throw new Error('This browser has no Web Bluetooth: the trip goes on without road humidity.');
  const device = await bluetooth.requestDevice({
    filters: [{ services: ['environmental_sensing'] }],
  });
  if (!device.gatt) throw new Error('The sensor offers no GATT server.');
  const service = await (await device.gatt.connect()).getPrimaryService('environmental_sensing');
  const optional = (name: string) => service.getCharacteristic(name).catch(() => null);
  const [humidity, temperature] = await Promise.all([
    optional('humidity'),
    optional('temperature'),
  ]);
  return async () =>
    roadReadingOf(
      humidity ? await humidity.readValue() : null,
      temperature ? await temperature.readValue() : null,
    );
}
