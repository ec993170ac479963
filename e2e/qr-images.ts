// Pictures of QR codes for the scanning tests, made in the test with uqr (the app's own encoder):
// a Y4M video file for Chromium's fake camera (--use-file-for-fake-video-capture) and a PNG for
// the file input. Grey-scale; 4:2:0 chroma at 128 (no colour).
import { crc32, deflateSync } from 'node:zlib';
import { encode } from 'uqr';

/** A grey-scale image: `width` x `height` bytes of luma, 255 white. */
export interface Gray {
  width: number;
  height: number;
  luma: Uint8Array;
}

/** `text` as a black-on-white QR code centred on a white `side` x `side` image. */
export function qrImage(text: string, side: number): Gray {
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  const scale = Math.floor(side / size);
  if (scale < 2) throw new RangeError(`side ${side} is too small for a ${size}-module code`);
  const offset = Math.floor((side - size * scale) / 2);
  const luma = new Uint8Array(side * side).fill(255);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      if (!data[y]![x]) continue;
      for (let dy = 0; dy < scale; dy++) {
        const row = (offset + y * scale + dy) * side + offset + x * scale;
        luma.fill(0, row, row + scale);
      }
    }
  return { width: side, height: side, luma };
}

/** A blank white image (no code in it). */
export function blankImage(side: number): Gray {
  return { width: side, height: side, luma: new Uint8Array(side * side).fill(255) };
}

/** A Y4M (YUV4MPEG2, 4:2:0) video of `frames` copies of `image`; Chromium loops it. */
export function y4m(image: Gray, frames = 2): Buffer {
  const header = `YUV4MPEG2 W${image.width} H${image.height} F10:1 Ip A1:1 C420jpeg\n`;
  const chroma = Buffer.alloc(2 * Math.ceil(image.width / 2) * Math.ceil(image.height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Buffer.from(image.luma), chroma]);
  return Buffer.concat([Buffer.from(header), ...Array.from({ length: frames }, () => frame)]);
}

function chunk(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** `image` as an 8-bit grey-scale PNG. */
export function png(image: Gray): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header.set([8, 0, 0, 0, 0], 8); // depth 8, grey-scale, deflate, adaptive filter, no interlace
  const rows = Buffer.alloc((image.width + 1) * image.height);
  for (let y = 0; y < image.height; y++) {
    rows[y * (image.width + 1)] = 0; // filter: none
    rows.set(
      image.luma.subarray(y * image.width, (y + 1) * image.width),
      y * (image.width + 1) + 1,
    );
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
