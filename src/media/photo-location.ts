/**
 * Residents' photos often carry where they were taken (EXIF GPS). We keep that position on
 * the media record, as the report's location, and strip it (with all EXIF) from the stored
 * image, so a resident's home address never travels on with the picture.
 */
import exifr from 'exifr';
import piexif from 'piexifjs';

export interface PhotoPosition { lat: number; lng: number }

export async function readPosition(data: Buffer): Promise<PhotoPosition | undefined> {
  try {
    const gps = await exifr.gps(data);
    if (gps && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude)) return { lat: gps.latitude, lng: gps.longitude };
  } catch {
    // Not an image exifr understands: no position.
  }
  return undefined;
}

export function stripExif(data: Buffer, contentType: string): Buffer {
  if (!/^image\/jpe?g$/i.test(contentType)) return data;
  try {
    return Buffer.from(piexif.remove(data.toString('binary')), 'binary');
  } catch {
    return data; // no EXIF segment to remove
  }
}
