// Where the webhook sender may connect (issue 19): a subscription's URL is chosen by its owner, so without a guard an
// enterprise user could make the server POST into the customs network, its loopback services or the cloud's metadata
// endpoint (server-side request forgery). Only public unicast addresses are called, plus the networks the operator
// lists in RVI_WEBHOOK_ALLOW_NETWORKS (the customs management system on the administration's own network).
// The check is made twice: when the URL is saved (a clear 400 naming the field) and on every connection, inside the
// socket's own DNS lookup, so a name that resolved to a public address at saving and to a private one later (DNS
// rebinding) is still refused, and the address checked is the address connected to.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AllowedNetworks = readonly (readonly [ipaddr.IPv4 | ipaddr.IPv6, number])[];

/** Parses "10.20.0.0/16, 192.0.2.7, fd00::/8"; an entry that is neither an address nor a CIDR range throws, naming it. */
export function parseNetworks(list: readonly string[]): AllowedNetworks {
  return list.map((raw) => {
    const s = raw.trim();
    try {
      if (s.includes('/')) return ipaddr.parseCIDR(s);
      const a = ipaddr.parse(s);
      return [a, a.kind() === 'ipv4' ? 32 : 128] as const;
    } catch {
      throw new Error(`${s} is not an IP address or CIDR range`);
    }
  });
}

/**
 * null when the address may be called; otherwise the kind of network it lies in ('loopback', 'private',
 * 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'multicast', 'unspecified', 'reserved', …: ipaddr.js's names).
 * An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
 */
export function refusedRange(address: string, allowed: AllowedNetworks): string | null {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try { a = ipaddr.parse(address); } catch { return 'invalid'; }
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (allowed.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits))) return null;
  const range = a.range();
  return range === 'unicast' ? null : range;
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export class EgressRefused extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(readonly host: string, readonly address: string, readonly range: string) {
    super(`${host === address ? `${host} is` : `${host} resolves to ${address},`} a ${range} address: webhooks are sent to public addresses only (RVI_WEBHOOK_ALLOW_NETWORKS lists exceptions)`);
  }
}

/**
 * Checks a URL before it is saved: an address literal, or every address its name resolves to now. A name that does
 * not resolve (yet) passes here: the delivery will find out, and its log says so.
 */
export async function checkEndpoint(url: URL, allowed: AllowedNetworks): Promise<void> {
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try { addresses = (await dnsLookupAsync(host, { all: true, verbatim: true })).map((a) => a.address); } catch { return; }
  }
  for (const address of addresses) {
    const range = refusedRange(address, allowed);
    if (range) throw new EgressRefused(host, address, range);
  }
}

/** The DNS lookup for the sender's sockets: resolves as usual and fails the connection if any address is refused. */
export function guardedLookup(allowed: AllowedNetworks): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, found: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = found.map((a) => ({ a, range: refusedRange(a.address, allowed) })).find((x) => x.range);
      if (bad) return callback(Object.assign(new EgressRefused(hostname, bad.a.address, bad.range!), { errno: undefined }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, found);
      callback(null, found[0].address, found[0].family);
    });
  };
}

/** The refusal for a URL whose host is an address literal (sockets skip the lookup for those). */
export function literalRefusal(url: URL, allowed: AllowedNetworks): EgressRefused | null {
  const host = hostOf(url);
  if (!isIP(host)) return null;
  const range = refusedRange(host, allowed);
  return range ? new EgressRefused(host, host, range) : null;
}
