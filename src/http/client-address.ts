/**
 * The client's address, for limits and audit. Behind a load balancer the address is in
 * X-Forwarded-For, which anyone can write: it is believed only for the hops `TRUST_PROXY`
 * names (a hop count or a list of addresses/subnets). Unset, the socket's own address is used,
 * so a rotated header buys an attacker nothing.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** What `TRUST_PROXY` parses to, and what express's `trust proxy` setting takes. */
export type TrustProxy = false | number | string[];

export function clientAddressResolver(trust: TrustProxy): (req: IncomingMessage) => string {
  const trusted = trust === false ? () => false : typeof trust === 'number' ? (_addr: string, hop: number) => hop < trust : proxyAddr.compile(trust);
  return (req) => proxyAddr(req, trusted) ?? req.socket.remoteAddress ?? 'unknown';
}
