// The account previews are rendered for when the user has not picked a real one.
import type { RenderAccount } from './content.js';

export const SAMPLE_ACCOUNT: Readonly<RenderAccount> = Object.freeze({
  uuid: '3f2b8c1e-6d4a-4e9b-9a7c-2b5d8e1f0a64',
  firstName: 'Julie',
  lastName: 'Tremblay',
  email: 'julie.tremblay@example.com',
  // 555-01XX numbers are reserved for fiction across the North American Numbering Plan.
  phone: '+16135550142',
  language: 'en',
  timezone: 'America/Toronto',
  attributes: Object.freeze({ service_area: 'Ottawa East', plan: 'Fibre 500' }),
});
