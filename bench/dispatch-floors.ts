// The floors the dispatch benchmark measures itself against.
import pg from 'pg';
import SqliteDatabase from 'better-sqlite3';
import { Pool } from 'undici';
import { isPostgresUrl } from '../src/store/store.js';

/** The plainest loop: set a column on `rows` rows by primary key, 1,000 per transaction. */
export async function floorUpdates(url: string, rows: number): Promise<{ rowsPerSecond: number }> {
  if (isPostgresUrl(url)) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TEMP TABLE floor (id bigint PRIMARY KEY, state text)');
    await client.query('INSERT INTO floor SELECT g, $1 FROM generate_series(1, $2) g', ['queued', rows]);
    const started = performance.now();
    for (let i = 1; i <= rows; i += 1000) {
      const ids = Array.from({ length: Math.min(1000, rows - i + 1) }, (_, k) => i + k);
      await client.query(`UPDATE floor f SET state = 'sent' FROM unnest($1::bigint[]) AS u(id) WHERE f.id = u.id`, [ids]);
    }
    const seconds = (performance.now() - started) / 1000;
    await client.end();
    return { rowsPerSecond: Math.round(rows / seconds) };
  }
  const db = new SqliteDatabase(url);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('DROP TABLE IF EXISTS floor; CREATE TABLE floor (id INTEGER PRIMARY KEY, state TEXT)');
  const insert = db.prepare('INSERT INTO floor VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= rows; i++) insert.run(i, 'queued');
  })();
  const update = db.prepare(`UPDATE floor SET state = 'sent' WHERE id = ?`);
  const started = performance.now();
  for (let i = 1; i <= rows; i += 1000) {
    db.transaction(() => {
      for (let k = i; k < Math.min(i + 1000, rows + 1); k++) update.run(k);
    })();
  }
  const seconds = (performance.now() - started) / 1000;
  db.exec('DROP TABLE floor');
  db.close();
  return { rowsPerSecond: Math.round(rows / seconds) };
}

/** Raw request rate against the loopback server: small POSTs over an undici Pool of 64 connections. */
export async function floorHttp(url: string, requests = 20_000): Promise<{ requestsPerSecond: number }> {
  const pool = new Pool(url, { connections: 64 });
  const body = JSON.stringify({ messages: [{ id: 'floor', to: '+15145550100', body: 'x' }] });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < requests) {
        const res = await pool.request({ path: '/send', method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.body.text();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { requestsPerSecond: Math.round(requests / seconds) };
}
