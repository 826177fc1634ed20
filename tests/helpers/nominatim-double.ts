/**
 * A local HTTP double of Nominatim's reverse geocoding (`GET /reverse?format=jsonv2&lat=…&lon=…`),
 * answering in its jsonv2 shape. What it answers is set per point (the `lat,lon` it is asked
 * about, as sent): an address (optionally after a delay), an HTTP error, or, for any other point,
 * Nominatim's own "Unable to geocode".
 */
import express from 'express';
import { serve } from './serve';

export interface ReverseRequest {
  lat: string;
  lon: string;
  format: string;
  userAgent: string;
  receivedAt: number;
  /** When the answer left (after any delay). */
  answeredAt?: number;
}

export type PlaceAnswer =
  | { address: Record<string, string>; name?: string; displayName: string; delayMs?: number }
  | { status: number };

export interface NominatimDouble {
  url: string;
  requests: ReverseRequest[];
  /** Answers by point: `"-33.8688,151.2093"`. */
  places: Map<string, PlaceAnswer>;
  stop(): Promise<void>;
}

export async function startNominatimDouble(): Promise<NominatimDouble> {
  const requests: ReverseRequest[] = [];
  const places = new Map<string, PlaceAnswer>();
  const app = express();
  app.get('/reverse', (req, res) => {
    const query = req.query as Record<string, string>;
    const request: ReverseRequest = { lat: query.lat ?? '', lon: query.lon ?? '', format: query.format ?? '', userAgent: req.get('user-agent') ?? '', receivedAt: Date.now() };
    requests.push(request);
    if (request.format !== 'jsonv2') {
      res.status(400).json({ error: { code: 400, message: 'Parameter \'format\' must be one of: xml, json, jsonv2, geojson, geocodejson' } });
      return;
    }
    const answer = places.get(`${request.lat},${request.lon}`);
    const send = (status: number, body: unknown) => {
      request.answeredAt = Date.now();
      res.status(status).json(body);
    };
    if (!answer) return send(200, { error: 'Unable to geocode' });
    if ('status' in answer) return send(answer.status, { error: { code: answer.status, message: 'Internal Server Error' } });
    setTimeout(
      () =>
        send(200, {
          place_id: 1,
          licence: 'Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright',
          osm_type: 'way',
          osm_id: 2,
          lat: request.lat,
          lon: request.lon,
          category: 'building',
          type: 'yes',
          place_rank: 30,
          importance: 0.1,
          addresstype: 'building',
          name: answer.name ?? '',
          display_name: answer.displayName,
          address: { ...answer.address, country: 'Australia', country_code: 'au', 'ISO3166-2-lvl4': 'AU-NSW' },
          boundingbox: ['-33.87', '-33.86', '151.20', '151.21'],
        }),
      answer.delayMs ?? 0,
    );
  });
  const server = await serve(app);
  return { url: server.url, requests, places, stop: server.stop };
}
