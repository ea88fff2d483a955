import { describe, expect, it } from 'vitest';
import type { Content, ContentError, EmailContent } from '../../src/content/content.js';
import { ContentCheckError, ContentRenderer } from '../../src/content/render.js';
import { SAMPLE_ACCOUNT } from '../../src/content/sample-account.js';

const renderer = new ContentRenderer();

const EMAIL: EmailContent = { subject: 'Hello', html: '<p>Hello</p>', text: 'Hello' };

function email(fields: Partial<EmailContent>, language = 'en'): Content {
  return { defaultLanguage: language, email: { [language]: { ...EMAIL, ...fields } }, sms: null };
}

function sms(body: string, language = 'en'): Content {
  return { defaultLanguage: language, email: null, sms: { [language]: { body } } };
}

const renderSms = (body: string) =>
  renderer.renderSms(renderer.compile(sms(body)), 'en', {
    account: SAMPLE_ACCOUNT,
    communication: { name: 'Outage' },
  }).body;

describe('check', () => {
  const only = (content: Content): ContentError => {
    const errors = renderer.check(content);
    expect(errors).toHaveLength(1);
    return errors[0] as ContentError;
  };

  it('reports a syntax error at its line and column in the HTML', () => {
    const html = '<p>Hello</p>\n  <b>{% if account.first_name %}</b>';
    expect(only(email({ html }))).toMatchObject({
      channel: 'email',
      language: 'en',
      field: 'html',
      line: 2,
      column: 6,
      code: 'syntax_error',
    });
  });

  it('reports an unknown merge tag at its line and column', () => {
    const html = '<p>Hi</p>\n<p>Dear {{ account.frist_name }},</p>';
    expect(only(email({ html }))).toMatchObject({
      field: 'html',
      line: 2,
      column: 12,
      code: 'unknown_merge_tag',
    });
    expect(only(email({ html })).message).toContain('account.frist_name');
  });

  it('refuses tags that are not merge tags: roots, objects, dynamic attribute names', () => {
    for (const body of [
      '{{ customer.name }}',
      '{{ account }}',
      '{{ account.attributes }}',
      '{{ account.attributes[account.phone] }}',
    ]) {
      expect(only(sms(body))).toMatchObject({ code: 'unknown_merge_tag', line: 1, column: 4 });
    }
  });

  it('reports an unknown filter at the filter itself', () => {
    const html = '<p>\n  {{ account.first_name | shout }}</p>';
    expect(only(email({ html }))).toMatchObject({
      field: 'html',
      line: 2,
      column: 27,
      code: 'unknown_filter',
    });
  });

  it('refuses unsubscribe_url in an SMS', () => {
    expect(only(sms('Stop: {{ unsubscribe_url }}'))).toMatchObject({
      channel: 'sms',
      field: 'body',
      line: 1,
      column: 10,
      code: 'not_allowed',
    });
  });

  it('refuses include, render and layout, even inside a liquid tag', () => {
    for (const body of [
      'a\nb {% include "footer" %}',
      'a\nb {% render "footer" %}',
      'a\nb {% layout "base" %}',
    ]) {
      expect(only(sms(body))).toMatchObject({ line: 2, column: 3, code: 'not_allowed' });
    }
    expect(only(sms('{% liquid\n  render "footer" %}'))).toMatchObject({
      line: 2,
      code: 'not_allowed',
    });
  });

  it('accepts locals, loops and filters over merge tags', () => {
    const body =
      '{% assign n = account.first_name | upcase %}{% for i in (1..2) %}{{ forloop.index }}{{ n }}{% endfor %}{{ account.phone.size }}';
    expect(renderer.check(sms(body))).toEqual([]);
    expect(renderSms(body)).toBe('1JULIE2JULIE12');
  });

  it('reports every error across channels, languages and fields', () => {
    const content: Content = {
      defaultLanguage: 'en',
      email: {
        en: { ...EMAIL, subject: '{{ nope }}' },
        fr: { ...EMAIL, text: '{{ x | nofilter }}' },
      },
      sms: { fr: { body: '{% if %}' } },
    };
    const where = renderer.check(content).map((e) => [e.channel, e.language, e.field, e.code]);
    expect(where).toEqual([
      ['email', 'en', 'subject', 'unknown_merge_tag'],
      ['email', 'fr', 'text', 'unknown_filter'],
      ['sms', 'fr', 'body', 'syntax_error'],
    ]);
  });

  it('will not compile content with errors', () => {
    expect(() => renderer.compile(sms('{{ nope }}'))).toThrow(ContentCheckError);
  });
});
