/**
 * Docker's display units (github.com/docker/go-units): decimal sizes printed with Go's %g at a
 * given precision ("1.98MB", "116B", "1e+03kB"), and durations as "7 minutes ago".
 */

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Go's strconv %.<precision>g for a non-negative number. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  const exponential = toExponentialHalfEven(value, precision - 1); // e.g. "1.98e+6"
  const [mantissaText, expText] = exponential.split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= precision) {
    const mantissa = stripZeros(mantissaText);
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  // The rounded digits (at most 15 here) survive the trip through a double unchanged.
  return stripZeros(Number(exponential).toFixed(Math.max(0, precision - 1 - exp)));
}

/**
 * toExponential, except that an exact tie rounds to even as Go's strconv does (Go prints
 * 1.125 with %.3g as "1.12"; JavaScript rounds ties up, "1.13").
 */
function toExponentialHalfEven(value: number, fractionDigits: number): string {
  const rounded = value.toExponential(fractionDigits);
  const exact = value.toExponential(100); // the exact decimal expansion, for the magnitudes printed here
  const [mantissa, exp] = exact.split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const kept = digits.slice(0, fractionDigits + 1);
  if (!/^50*$/.test(digits.slice(fractionDigits + 1)) || Number(kept[kept.length - 1]) % 2 !== 0) return rounded;
  return `${kept.slice(0, 1)}${kept.length > 1 ? `.${kept.slice(1)}` : ''}e${exp}`;
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

const sizeCache = new Map<string, string>();

/** go-units HumanSizeWithPrecision: decimal (1000-based) units. Memoised: tables repeat sizes. */
export function humanSize(bytes: number, precision = 3): string {
  const key = `${bytes}/${precision}`;
  let text = sizeCache.get(key);
  if (text === undefined) {
    text = computeHumanSize(bytes, precision);
    if (sizeCache.size < 10_000) sizeCache.set(key, text);
  }
  return text;
}

function computeHumanSize(bytes: number, precision: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${formatG(size, precision)}${DECIMAL_UNITS[i]}`;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** go-units BytesSize: binary (1024-based) units at Go's %.4g ("680KiB", "23.54GiB"), as `stats` shows memory. */
export function bytesSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < BINARY_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return `${formatG(size, 4)}${BINARY_UNITS[i]}`;
}

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "7 minutes ago", or "N/A" for an unknown time (Docker prints that for a zero time). */
export function timeAgo(ms: number, now = Date.now()): string {
  if (ms <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - ms))} ago`;
}

/** Docker's CreatedAt: "2026-11-28 06:46:46 +0000 UTC". */
export function goTime(ms: number): string {
  const d = new Date(ms <= 0 ? 0 : ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

/** Docker's Ellipsis: at most `max` characters, the last one "…" when cut. */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}
