/**
 * Prepared statements for the store's modules: compiled once per connection (a load may set
 * 10,000 tags) and typed by their caller, so that no query row is cast. Only src/store/ uses
 * them (test/repo/store-api.test.ts).
 */
import type { Statement } from 'better-sqlite3';
import { databaseOf, type Store } from '../store.js';
import type { Database } from './database.js';

type Mode = 'rows' | 'values' | 'tuples';

const compiled = new WeakMap<Database, Map<string, Statement<unknown[], unknown>>>();

function statement(store: Store, sql: string, mode: Mode): Statement<unknown[], unknown> {
  const db = databaseOf(store);
  let byText = compiled.get(db);
  if (byText === undefined) {
    byText = new Map();
    compiled.set(db, byText);
  }
  const key = `${mode}\n${sql}`;
  let s = byText.get(key);
  if (s === undefined) {
    s = db.prepare<unknown[], unknown>(sql);
    if (mode === 'values') s.pluck();
    if (mode === 'tuples') s.raw();
    byText.set(key, s);
  }
  return s;
}

/** A statement whose rows are objects of type R (column names as in the SQL). */
export function rows<P extends unknown[], R>(store: Store, sql: string): Statement<P, R> {
  return statement(store, sql, 'rows') as unknown as Statement<P, R>;
}

/** A statement whose rows are the value of their first column. */
export function values<P extends unknown[], V>(store: Store, sql: string): Statement<P, V> {
  return statement(store, sql, 'values') as unknown as Statement<P, V>;
}

/** A statement whose rows are arrays (for listings of many rows: no object per row). */
export function tuples<P extends unknown[], T extends readonly unknown[]>(store: Store, sql: string): Statement<P, T> {
  return statement(store, sql, 'tuples') as unknown as Statement<P, T>;
}

/** A statement that changes rows (run only). */
export function writes<P extends unknown[]>(store: Store, sql: string): Statement<P, never> {
  return statement(store, sql, 'rows') as unknown as Statement<P, never>;
}
