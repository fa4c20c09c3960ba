/** Berth's version, shown by `berth version` and `berth --version`. */
export const VERSION = '0.1.0';
