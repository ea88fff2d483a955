// The routes the UI calls, each with its request and answer typed from the very JSON schemas the
// server validates with and shapes its answers by (src/server/*-schemas.ts). Imported as types
// only: nothing of the server reaches the bundle. To call a new route, give it a schema there
// (a response schema too: without one its answer is `unknown` here), then add a line below.
import type { idParams, sessionSchema, setupAnswer, setupBody, setupLinkSchema, setupQuery, signInBody } from '../../../src/server/auth-schemas.js';
import type { communicationListPage, communicationListQuery } from '../../../src/server/communications-schemas.js';
import type { communicationViewSchema, previewAnswer, previewQuery } from '../../../src/server/communication-view-schemas.js';
import type { In, Out } from '../../../src/server/schema-types.js';
import type { deliveriesPage, deliveriesQuery, failuresPage, failuresQuery, resendBody, timelineAnswer } from '../../../src/server/outcomes-schemas.js';


interface Route {
  params?: object;
  query?: object;
  body?: object;
  answer: unknown;
}

export type Routes = {
  'GET /api/session': { answer: Out<typeof sessionSchema> };
  'POST /api/session': { body: In<typeof signInBody>; answer: Out<typeof sessionSchema> };
  'DELETE /api/session': { answer: void };
  'GET /api/setup': { query: In<typeof setupQuery>; answer: Out<typeof setupLinkSchema> };
  'POST /api/setup': { body: In<typeof setupBody>; answer: Out<typeof setupAnswer> };

  'GET /api/communications': { query: In<typeof communicationListQuery>; answer: Out<typeof communicationListPage> };
  'DELETE /api/communications/:id': { params: In<typeof idParams>; answer: void };
  'POST /api/communications/:id/cancel': { params: In<typeof idParams>; answer: unknown };

  'GET /api/communications/:id': { params: In<typeof idParams>; answer: Out<typeof communicationViewSchema> };
  'GET /api/communications/:id/preview': { params: In<typeof idParams>; query: In<typeof previewQuery>; answer: Out<typeof previewAnswer> };
  'GET /api/communications/:id/messages': { params: In<typeof idParams>; query: In<typeof deliveriesQuery>; answer: Out<typeof deliveriesPage> };
  'GET /api/communications/:id/failures': { params: In<typeof idParams>; query: In<typeof failuresQuery>; answer: Out<typeof failuresPage> };
  'GET /api/communications/:id/timeline': { params: In<typeof idParams>; answer: Out<typeof timelineAnswer> };
  'POST /api/communications/:id/resend': { params: In<typeof idParams>; body: In<typeof resendBody>; answer: Out<typeof communicationViewSchema> };
};

export type RouteName = keyof Routes;
export type AnswerOf<R extends RouteName> = Routes[R]['answer'];
/** The parts of a request a route takes (params, query, body), without its answer. */
export type RequestOf<R extends RouteName> = Omit<Routes[R], 'answer'>;

// Every entry must have the shape of a Route: a typo in a part's name fails to compile here.
type Checked<T extends Record<string, Route>> = T;
export type _RoutesAreRoutes = Checked<Routes>;
