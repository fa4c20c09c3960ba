/** Signal names as the user gives them, and as the runtime takes them. */
import { BerthError } from '../../internal/errors.js';

/** "SIGTERM", "TERM", "term" and "15" all name one signal; the runtime takes the bare name or number. */
export function normalizeSignal(signal: string): string {
  const s = signal.toUpperCase().replace(/^SIG/, '');
  if (!/^(\d+|[A-Z0-9+-]+)$/.test(s)) throw new BerthError('invalid_argument', 'SIGNAL_INVALID', `Invalid signal: ${signal}`);
  return s;
}
