import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number, so a CIDR test is a mask-and-compare. */
export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

export interface CidrBlock {
  version: 4 | 6;
  network: bigint;
  bits: number;
}

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint {
  // An embedded dotted IPv4 tail (`::ffff:10.0.0.1`) stands for the last two 16-bit groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [left = '', right] = text.split('::');
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const zeros = right === undefined ? [] : new Array<string>(8 - leftGroups.length - rightGroups.length).fill('0');
  return [...leftGroups, ...zeros, ...rightGroups].reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses an IPv4 or IPv6 address; undefined for anything else. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { version: 4, value: parseIpv4(text) };
  if (isIPv6(text)) return { version: 6, value: parseIpv6(text) };
  return undefined;
}

/**
 * Parses `addr/bits`. Returns a reason string (Ruler's wording) when the block is malformed, so the
 * validators can put it in their own error shape.
 */
export function parseCidr(text: string): CidrBlock | string {
  const parts = text.split('/');
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [addr, maskText] = parts as [string, string];
  if (!/^\d+$/.test(maskText)) return 'Malformed CIDR, mask bits must be an integer';
  const ip = parseIp(addr);
  if (!ip) return `Nonstandard IP address: ${addr}`;
  const bits = Number(maskText);
  const width = ip.version === 4 ? 32 : 128;
  if (bits > width) return `Malformed CIDR, mask bits must be between 0 and ${width}`;
  return { version: ip.version, network: ip.value >> BigInt(width - bits), bits };
}

export function ipInCidr(ipText: string, block: CidrBlock): boolean {
  const ip = parseIp(ipText);
  if (!ip || ip.version !== block.version) return false;
  const width = ip.version === 4 ? 32 : 128;
  return ip.value >> BigInt(width - block.bits) === block.network;
}
