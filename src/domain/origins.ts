/**
 * Browser origins. CORS does not guard WebSocket upgrades, so sockets check the Origin header
 * themselves; these are the rules both namespaces use.
 */

/** localhost and 127.0.0.1 name the same local engine in development. */
export function sameOrigin(a: string, b: string): boolean {
  const normalise = (o: string) => o.replace('://localhost', '://127.0.0.1');
  return normalise(a) === normalise(b);
}

/**
 * Whether an origin matches a list of CSP-style sources (the form WEBCHAT_EMBED_ORIGINS and a
 * council's `webchat.allowedOrigins` take): `*`, a scheme such as `https:`, or an exact origin.
 */
export function originAllowed(origin: string, sources: readonly string[]): boolean {
  return sources.some((source) => source === '*' || (source.endsWith(':') ? origin.startsWith(`${source}//`) : sameOrigin(origin, source)));
}
