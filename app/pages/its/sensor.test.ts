import { describe, expect, it } from 'vitest';
import { encodeHumidity, encodeTemperature } from '../../devices';
import { roadReadingOf } from './sensor';

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

describe('the road sensor readings', () => {
  it('turns the GATT Humidity and Temperature values into report fields', () => {
    expect(roadReadingOf(view(encodeHumidity(91.5)), view(encodeTemperature(1.25)))).toEqual({
      humidityPct: 91.5,
      temperatureC: 1.25,
    });
    expect(roadReadingOf(null, view(encodeTemperature(-3)))).toEqual({ temperatureC: -3 });
    expect(roadReadingOf(view(new Uint8Array([0xff, 0xff])), null)).toEqual({});
  });
});
