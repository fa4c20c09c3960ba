/**
 * The files Docker writes for every container and bind-mounts over the image's: /etc/hosts,
 * /etc/hostname and /etc/resolv.conf. With --network host they mirror the host's.
 */
import { readFileSync } from 'node:fs';
import { ignoreCodes } from '../internal/errors.js';

export function hostsFile(hostname: string, network: 'none' | 'host'): string {
  if (network === 'host') {
    try {
      return readFileSync('/etc/hosts', 'utf8');
    } catch (err) {
      ignoreCodes(err, 'ENOENT'); // the host has none: fall through to the default
    }
  }
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...(network === 'none' ? [] : [`127.0.1.1\t${hostname}`]),
    '',
  ].join('\n');
}

/** The host's resolv.conf; without the host's network, local resolvers (127.x, ::1) cannot be reached and are dropped. */
export function resolvConf(network: 'none' | 'host'): string {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch (err) {
    ignoreCodes(err, 'ENOENT'); // the host has none (or a link to a resolver's file that is not there)
    return '';
  }
  if (network === 'host') return text;
  return text.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l)).join('\n');
}
