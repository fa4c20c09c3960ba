/**
 * A container's capability set from Docker's defaults and `--cap-add`/`--cap-drop`, with
 * Docker's rules: names in any case, with or without `CAP_`; `ALL` in --cap-add gives every
 * capability there is to give (see grantableCapabilities) except those dropped; `ALL` in --cap-drop starts from nothing and
 * takes only what --cap-add names; otherwise the defaults less the dropped plus the added.
 */
import { readFileSync } from 'node:fs';
import { BerthError, ignoreCodes } from '../../internal/errors.js';
import { DEFAULT_CAPABILITIES } from './oci-spec.js';

/** Linux capabilities in the kernel's order (their numbers are their indexes). */
export const KNOWN_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

const ALL = 'ALL';

/** "net_admin" and "CAP_NET_ADMIN" both name CAP_NET_ADMIN; "all" is ALL. Throws for a name the kernel list lacks. */
export function normalizeCapability(name: string, flag: 'cap-add' | 'cap-drop'): string {
  const upper = name.trim().toUpperCase();
  if (upper === ALL) return ALL;
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!KNOWN_CAPABILITIES.includes(full)) {
    throw new BerthError('invalid_argument', 'CAPABILITY_UNKNOWN', `invalid ${flag === 'cap-add' ? 'CapAdd' : 'CapDrop'}: unknown capability: ${JSON.stringify(full)}`, {
      hint: 'Capabilities are named as in capabilities(7), with or without CAP_ (NET_ADMIN, CAP_SYS_TIME), or ALL',
    });
  }
  return full;
}

/**
 * The capabilities a container can be given here: those of this process's bounding set (which
 * the kernel, and whatever runs Berth, allow; the runtime cannot grant more). Docker's ALL
 * takes the kernel's whole list instead, and fails where the bounding set is narrower.
 */
function grantableCapabilities(): string[] {
  try {
    const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line !== null) {
      const bits = BigInt(`0x${line[1]}`);
      return KNOWN_CAPABILITIES.filter((_, i) => (bits >> BigInt(i)) & 1n);
    }
  } catch (err) {
    ignoreCodes(err, 'ENOENT', 'EACCES'); // not Linux, or /proc hidden: assume the full list
  }
  return KNOWN_CAPABILITIES;
}

/** The set a container gets, in the kernel's order. `add` and `drop` are normalized names. */
export function containerCapabilities(add: readonly string[], drop: readonly string[]): string[] {
  let set: Set<string>;
  if (add.includes(ALL)) {
    set = new Set(grantableCapabilities().filter((c) => !drop.includes(c)));
  } else if (drop.includes(ALL)) {
    set = new Set(add);
  } else {
    set = new Set([...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add]);
  }
  return KNOWN_CAPABILITIES.filter((c) => set.has(c));
}
