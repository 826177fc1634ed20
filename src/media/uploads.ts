/**
 * A photo a resident uploaded directly (the webchat's upload route): where it was taken is read
 * from its EXIF GPS, which is then stripped, and it is stored once under the inbound event's media
 * id, before the message that carries it is ingested.
 */
import { ids } from '../ids';
import { Media, insertOnce } from '../models';
import { readPosition, stripExif } from './photo-location';

export async function storeUploadedPhoto(eventId: string, body: Buffer, contentType: string): Promise<string> {
  const mediaId = ids.media(eventId, 0);
  const position = await readPosition(body);
  const data = stripExif(body, contentType);
  await insertOnce(Media.create({ _id: mediaId, inboundEventId: eventId, sourceUrl: 'webchat-upload', contentType, size: data.byteLength, data, ...(position ? { position } : {}) }));
  return mediaId;
}
