// The routes the command line calls through a server (--api), each with its request and answer
// typed from the very JSON schemas the server validates with and shapes its answers by
// (src/server/*-schemas.ts), as the web UI's client is (web/src/api/routes.ts): one definition
// of each, never a copy. To call another route, give it its schemas there, then add a line here.
import type { accountImportQuery, accountImportReport } from '../server/accounts-schemas.js';
import type { providersQuery, providersStatusSchema } from '../server/providers-schemas.js';
import type { In, Out } from '../server/schema-types.js';
import type {
  newSuppressionBody,
  suppressionIdParams,
  suppressionImportQuery,
  suppressionImportReport,
  suppressionListQuery,
  suppressionPage,
  suppressionSchema,
} from '../server/suppressions-schemas.js';


/** A body of CSV, streamed (account files may be gigabytes). */
type Csv = 'csv';

export type CliRoutes = {
  'POST /api/accounts/import': { query: In<typeof accountImportQuery>; body: Csv; answer: Out<typeof accountImportReport> };
  'GET /api/providers': { query: In<typeof providersQuery>; answer: Out<typeof providersStatusSchema> };
  'GET /api/suppressions': { query: In<typeof suppressionListQuery>; answer: Out<typeof suppressionPage> };
  'POST /api/suppressions': { body: In<typeof newSuppressionBody>; answer: Out<typeof suppressionSchema> };
  'DELETE /api/suppressions/:id': { params: In<typeof suppressionIdParams>; answer: Out<typeof suppressionSchema> };
  'POST /api/suppressions/import': { query: In<typeof suppressionImportQuery>; body: Csv; answer: Out<typeof suppressionImportReport> };
};

export type CliRoute = keyof CliRoutes;
type Part<K extends CliRoute, P extends string> = P extends keyof CliRoutes[K] ? CliRoutes[K][P] : never;

/** What a call of route K takes: its params, query and body as the schemas say (a CSV body as a stream). */
export type CallOf<K extends CliRoute> = ([Part<K, 'params'>] extends [never] ? { params?: undefined } : { params: Part<K, 'params'> }) &
  ([Part<K, 'query'>] extends [never] ? { query?: undefined } : { query: Part<K, 'query'> }) &
  ([Part<K, 'body'>] extends [never]
    ? { body?: undefined }
    : Part<K, 'body'> extends Csv
      ? { csv: NodeJS.ReadableStream }
      : { body: Part<K, 'body'> });

export type AnswerOf<K extends CliRoute> = CliRoutes[K]['answer'];
