/**
 * `--platform os[/arch[/variant]]`, normalised as Docker (containerd's platforms package)
 * does: names lower-cased, common aliases mapped (x86_64 -> amd64, aarch64 -> arm64), arm's
 * variant defaulting to v7 and arm64's v8 dropped. Only linux images can be made here.
 */
import { BerthError } from '../internal/errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64', 'x86-64': 'amd64', amd64: 'amd64', i386: '386', '386': '386', aarch64: 'arm64', arm64: 'arm64', armhf: 'arm',
  armel: 'arm', arm: 'arm', ppc64le: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips64le: 'mips64le', mips64: 'mips64',
  mipsle: 'mipsle', mips: 'mips', loong64: 'loong64', ppc64: 'ppc64', wasm: 'wasm',
};

const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'plan9', 'js', 'wasip1', 'dragonfly']);

function unknown(text: string): BerthError {
  return new BerthError('invalid_argument', 'PLATFORM_INVALID', `${JSON.stringify(text)}: unknown operating system or architecture: invalid argument`, {
    hint: 'Give --platform as os[/arch[/variant]], for example linux/amd64 or linux/arm/v7',
  });
}

/** Parses a --platform value; `host` fills in the architecture when only an OS is given. */
export function parsePlatform(text: string, host: Platform): Platform {
  const parts = text.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => !/^[a-z0-9_.+-]+$/.test(p))) throw unknown(text);
  let os = parts[0] as string;
  let arch = parts[1];
  let variant = parts[2];
  if (parts.length === 1 && !KNOWN_OS.has(os)) {
    // A lone architecture means that architecture on linux (containerd does this too).
    if (ARCH_ALIASES[os] === undefined) throw unknown(text);
    arch = os;
    os = 'linux';
  }
  if (os === 'macos') os = 'darwin';
  if (!KNOWN_OS.has(os)) throw unknown(text);
  if (os !== 'linux') {
    throw new BerthError('invalid_argument', 'PLATFORM_UNSUPPORTED', 'operating system is not supported', {
      hint: 'Berth makes linux images only: use --platform linux[/ARCH]',
    });
  }
  if (arch === undefined) return { ...host };
  const architecture = ARCH_ALIASES[arch];
  if (architecture === undefined) throw unknown(text);
  if (architecture === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (architecture === 'arm') {
    if (variant === undefined) variant = arch === 'armel' ? 'v6' : 'v7';
    else if (/^\d$/.test(variant)) variant = `v${variant}`;
  }
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}
