// Account data is never put into email HTML unescaped, whatever the content does with `raw`.
import { describe, expect, it } from 'vitest';
import type { Content, ContentError, RenderAccount } from '../../src/content/content.js';
import { ContentCheckError, ContentRenderer } from '../../src/content/render.js';
import { SAMPLE_ACCOUNT } from '../../src/content/sample-account.js';

const renderer = new ContentRenderer();

const html = (body: string): Content => ({
  defaultLanguage: 'en',
  email: { en: { subject: 'Notice', html: body, text: 'Notice' } },
  sms: null,
});

const hostile: RenderAccount = {
  ...SAMPLE_ACCOUNT,
  firstName: '<script>alert(1)</script>',
  attributes: { ...SAMPLE_ACCOUNT.attributes, plan: '<img src=x onerror=alert(1)>' },
};

const renderHtml = (body: string) =>
  renderer.renderEmail(renderer.compile(html(body)), 'en', { account: hostile, communication: { name: '<b>Fibre cut</b>' }, unsubscribeUrl: 'https://crier.example/u/1?a=1&b=2' }).html;

const rawErrors = (body: string): ContentError[] => renderer.check(html(body)).filter((e) => e.code === 'raw_account_data');

describe('raw on account data in HTML', () => {
  it('is a content error naming the account field and where the raw is', () => {
    expect(renderer.check(html('<p>Hi\n  {{ account.first_name | raw }}</p>'))).toEqual([
      {
        channel: 'email',
        language: 'en',
        field: 'html',
        line: 2,
        column: 27,
        code: 'raw_account_data',
        message: '"raw" would put account data, account.first_name, into the HTML unescaped: remove "| raw"',
      },
    ]);
  });

  it.each([
    ['an attribute', '{{ account.attributes.plan | raw }}', 'account.attributes.plan'],
    ['a filter chain ending in raw', '{{ account.first_name | upcase | raw }}', 'account.first_name'],
    ['a filter argument', '{{ "Hi " | append: account.first_name | raw }}', 'account.first_name'],
    ['echo', '{% echo account.first_name | raw %}', 'account.first_name'],
    ['echo inside liquid', '{% liquid\n  echo account.last_name | raw\n%}', 'account.last_name'],
    ['cycle', '{% cycle "a", account.first_name | raw %}', 'account.first_name'],
    ['an assigned copy', '{% assign n = account.first_name %}{{ n | raw }}', 'n (which holds account.first_name)'],
    ['a copy of a copy', '{% assign a = account.email %}{% assign b = a | upcase %}{{ b | raw }}', 'b (which holds account.email)'],
    ['a capture', '{% capture c %}Dear {{ account.first_name }}{% endcapture %}{{ c | raw }}', 'c (which holds account.first_name)'],
    ['a capture inside a branch', '{% capture c %}{% if true %}{{ account.phone }}{% endif %}{% endcapture %}{{ c | raw }}', 'c (which holds account.phone)'],
    ['a loop over attributes', '{% for pair in account.attributes %}{{ pair[1] | raw }}{% endfor %}', 'pair[1] (which holds account.attributes)'],
    ['a name computed at render time', '{% assign k = "account" %}{{ [k].first_name | raw }}', '[k].first_name'],
    ['a quoted root', '{{ ["account"].first_name | raw }}', '["account"].first_name'],
    ['a raw assign', '{% assign n = account.first_name | raw %}{{ n }}', 'account.first_name'],
  ])('is refused through %s', (_what, body, named) => {
    const errors = rawErrors(body);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(`account data, ${named},`);
    expect(() => renderer.compile(html(body))).toThrow(ContentCheckError);
  });

  it('never reaches a recipient: the content does not compile for sending or preview', () => {
    expect(() => renderHtml('{{ account.first_name | raw }}')).toThrow(ContentCheckError);
  });

  it('reports each raw use once, in order', () => {
    const errors = rawErrors('{{ account.first_name | raw }}\n{{ account.last_name | raw }}');
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [1, 25],
      [2, 24],
    ]);
  });

  it('still escapes account data without raw, and keeps raw working on values that are not account data', () => {
    expect(renderHtml('<p>{{ account.first_name }} {{ account.attributes.plan | upcase }}</p>')).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;IMG SRC=X ONERROR=ALERT(1)&gt;</p>',
    );
    const body =
      '{{ "<b>Outage</b>" | raw }}|{{ communication.name | raw }}|{{ unsubscribe_url | raw }}|' +
      '{% assign banner = "<hr>" %}{{ banner | raw }}|{% capture c %}<i>{{ "x" }}</i>{% endcapture %}{{ c | raw }}|' +
      '{% for i in (1..2) %}{{ i | raw }}{% endfor %}';
    expect(rawErrors(body)).toEqual([]);
    expect(renderHtml(body)).toBe('<b>Outage</b>|<b>Fibre cut</b>|https://crier.example/u/1?a=1&b=2|<hr>|<i>x</i>|12');
  });

  it('leaves raw alone outside HTML, where nothing is escaped', () => {
    const content: Content = {
      defaultLanguage: 'en',
      email: { en: { subject: '{{ account.first_name | raw }}', html: '<p>x</p>', text: '{{ account.first_name | raw }}' } },
      sms: { en: { body: '{{ account.first_name | raw }}' } },
    };
    expect(renderer.check(content)).toEqual([]);
  });
});
