// The TypeScript types of the routes' JSON schemas, for the clients that call them (the web UI's
// web/src/api/routes.ts, the command line's src/cli/api-routes.ts): derived, never copied.
// Types only: safe to import from the browser's code.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** What a caller sends: fields with a server-side default may be left out. */
export type In<S extends JSONSchema> = FromSchema<S, { keepDefaultedPropertiesOptional: true }>;
/** What the server answers. */
export type Out<S extends JSONSchema> = FromSchema<S>;
