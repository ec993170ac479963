import { describe, expect, it } from 'vitest';
import { cameraErrorText, qrFrameSideMax, scaledSize } from './qr-scan';

describe('QR scanning helpers', () => {
  it('scales the longer side down to qrFrameSideMax and never up', () => {
    expect(scaledSize(4000, 3000)).toEqual({ width: qrFrameSideMax, height: 960 });
    expect(scaledSize(3000, 4000)).toEqual({ width: 960, height: qrFrameSideMax });
    expect(scaledSize(640, 480)).toEqual({ width: 640, height: 480 });
    expect(scaledSize(0, 0)).toEqual({ width: 1, height: 1 });
  });

  it('says in plain words why the camera did not open', () => {
    expect(cameraErrorText({ name: 'NotAllowedError' })).toContain('was not allowed');
    expect(cameraErrorText({ name: 'NotFoundError' })).toContain('no camera');
    expect(cameraErrorText({ name: 'NotReadableError' })).toContain('busy');
    expect(cameraErrorText(new Error('boom'))).toContain('(boom)');
    expect(cameraErrorText(null)).toContain('Scan from an image');
  });
});
