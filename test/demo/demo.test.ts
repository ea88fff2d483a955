import { describe, expect, it } from 'vitest';
import { contentSchema } from '../../src/content/content.js';
import { ContentRenderer } from '../../src/content/render.js';
import { demoAccountsCsv } from '../../src/demo/demo-accounts.js';
import { DEMO_TEMPLATES } from '../../src/demo/demo-templates.js';

describe('demo data', () => {
  it('has templates without content errors', () => {
    const renderer = new ContentRenderer();
    for (const template of DEMO_TEMPLATES) {
      expect(contentSchema.safeParse(template).success, template.name).toBe(true);
      expect(renderer.check(template), template.name).toEqual([]);
    }
  });

  it('generates the same accounts from the same seed, with the awkward cases present', () => {
    const text = [...demoAccountsCsv(2000)].join('');
    expect([...demoAccountsCsv(2000)].join('')).toBe(text);
    const rows = text.trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(2000);
    expect(rows.some((r) => r[3] === '')).toBe(true); // no email
    expect(rows.some((r) => r[4] === '')).toBe(true); // no phone
    expect(rows.some((r) => r[3]!.endsWith('@bounce.example'))).toBe(true);
    expect(rows.some((r) => r[7] === 'no')).toBe(true); // email consent withdrawn
    expect(new Set(rows.map((r) => r[5]))).toEqual(new Set(['en', 'en-CA', 'fr', 'fr-CA', 'es']));
  });
});
