/**
 * Reverse geocoding: the short address at a point, from a Nominatim-compatible server
 * (`GET {GEOCODER_URL}/reverse?format=jsonv2&lat=…&lon=…`), for agents reading a shared place.
 * Never on a resident's turn: a queue job calls it (src/geo/place-addresses.ts).
 *
 * Nominatim's usage policy (https://operations.osmfoundation.org/policies/nominatim/) for the
 * public server: at most 1 request a second (the job's worker is rate limited to that across
 * every process), a User-Agent naming the application (stock ones are refused), and answers
 * cached on our side. Answers are cached in Redis by the point rounded to 4 decimal places (about
 * 11 m): the geocoder is asked about the rounded point too, so it never learns a position finer
 * than that and a cached answer is exactly the one for its key. Only coordinates leave the engine.
 */
import { z } from 'zod';
import type { Redis } from '../redis';
import { describeIssues } from '../validation';

/** Why a lookup failed; `retry` when asking again later may work (timeout, 5xx, 429, network). */
export class GeocoderError extends Error {
  constructor(message: string, readonly retry: boolean) {
    super(message);
  }
}

const text = z.string().max(300).optional();
/** Nominatim's jsonv2 reverse answer: the fields used here (anything else is ignored). */
export const reverseAnswerSchema = z.looseObject({
  /** "Unable to geocode": nothing there (open sea, say). */
  error: z.union([z.string(), z.looseObject({ message: z.string().optional() })]).optional(),
  display_name: z.string().max(1000).optional(),
  /** The object found, when it has a name (a park, a building). */
  name: z.string().max(300).nullish(),
  address: z
    .looseObject({
      house_number: text,
      house_name: text,
      road: text,
      pedestrian: text,
      footway: text,
      path: text,
      square: text,
      suburb: text,
      village: text,
      town: text,
      city: text,
      hamlet: text,
      municipality: text,
      postcode: text,
    })
    .optional(),
});
export type ReverseAnswer = z.infer<typeof reverseAnswerSchema>;

/** "12 Bay Road, Riverbend 2000": the place's name, the street and the locality, as agents read them. */
export function shortAddress(answer: ReverseAnswer): string | undefined {
  const a = answer.address ?? {};
  const road = a.road ?? a.pedestrian ?? a.footway ?? a.path ?? a.square;
  const street = road ? [a.house_number, road].filter(Boolean).join(' ') : undefined;
  const name = answer.name?.trim() || a.house_name;
  const locality = a.suburb ?? a.village ?? a.town ?? a.city ?? a.hamlet ?? a.municipality;
  const area = [locality, a.postcode].filter(Boolean).join(' ');
  const parts = [...new Set([name && name !== road ? name : undefined, street, area].filter((p): p is string => Boolean(p)))];
  const short = parts.length ? parts.join(', ') : answer.display_name?.split(',').slice(0, 3).map((p) => p.trim()).filter(Boolean).join(', ');
  return short ? short.slice(0, 200) : undefined;
}

export interface ReverseGeocoder {
  /** The short address at a point, undefined when the geocoder knows none there; throws a GeocoderError. */
  addressAt(lat: number, lng: number): Promise<{ address: string | undefined; cached: boolean }>;
}

export interface GeocoderOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Names the engine and where it runs (Nominatim refuses anonymous clients). */
  userAgent: string;
  redis: Redis;
  prefix: string;
}

/** Addresses change rarely: a found one is kept 30 days, "nothing there" a day. */
const FOUND_TTL_SECONDS = 30 * 86_400;
const NONE_TTL_SECONDS = 86_400;
const MAX_ANSWER_CHARS = 100_000;

export const roundForGeocoding = (value: number): string => value.toFixed(4);

export function createReverseGeocoder(options: GeocoderOptions): ReverseGeocoder {
  const { redis } = options;
  const keyOf = (lat: string, lon: string) => `${options.prefix}:geocode:${lat},${lon}`;

  async function ask(lat: string, lon: string): Promise<string | undefined> {
    const url = new URL(`${options.baseUrl}/reverse`);
    url.search = new URLSearchParams({ format: 'jsonv2', lat, lon, zoom: '18', addressdetails: '1' }).toString();
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'user-agent': options.userAgent, accept: 'application/json' },
        redirect: 'follow',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (caught) {
      const error = caught as Error;
      throw new GeocoderError(error.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : `request failed: ${error.message}`, true);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new GeocoderError(`HTTP ${response.status}`, response.status === 429 || response.status >= 500);
    }
    const body = await response.text().catch((error: Error) => {
      throw new GeocoderError(`answer cut off: ${error.message}`, true);
    });
    if (body.length > MAX_ANSWER_CHARS) throw new GeocoderError('answer too large', false);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new GeocoderError('answer is not JSON', false);
    }
    const parsed = reverseAnswerSchema.safeParse(json);
    if (!parsed.success) throw new GeocoderError(`unexpected answer: ${describeIssues(parsed.error)}`, false);
    if (parsed.data.error) return undefined;
    return shortAddress(parsed.data);
  }

  return {
    async addressAt(lat, lng) {
      const rLat = roundForGeocoding(lat);
      const rLon = roundForGeocoding(lng);
      const key = keyOf(rLat, rLon);
      const cached = await redis.get(key);
      if (cached !== null) return { address: cached || undefined, cached: true };
      const address = await ask(rLat, rLon);
      await redis.set(key, address ?? '', 'EX', address ? FOUND_TTL_SECONDS : NONE_TTL_SECONDS);
      return { address, cached: false };
    },
  };
}
