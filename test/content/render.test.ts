import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Content, EmailContent, RenderAccount } from '../../src/content/content.js';
import {
  ContentRenderer,
  DEFAULT_LIMITS,
  RenderFailedError,
  type RenderContext,
} from '../../src/content/render.js';
import { SAMPLE_ACCOUNT } from '../../src/content/sample-account.js';

const renderer = new ContentRenderer();

const EMAIL: EmailContent = { subject: 'Hello', html: '<p>Hello</p>', text: 'Hello' };

function email(fields: Partial<EmailContent>, language = 'en'): Content {
  return { defaultLanguage: language, email: { [language]: { ...EMAIL, ...fields } }, sms: null };
}

function sms(body: string, language = 'en'): Content {
  return { defaultLanguage: language, email: null, sms: { [language]: { body } } };
}

function ctx(account: Partial<RenderAccount> = {}): RenderContext {
  return {
    account: { ...SAMPLE_ACCOUNT, ...account },
    communication: { name: 'Fibre cut, Ottawa East' },
    unsubscribeUrl: 'https://crier.example/u/abc?c=1&a=2',
  };
}

const renderEmail = (content: Content, c = ctx()) =>
  renderer.renderEmail(renderer.compile(content), content.defaultLanguage, c);
const renderSms = (body: string, c = ctx()) =>
  renderer.renderSms(renderer.compile(sms(body)), 'en', c);

function renderFailure(run: () => unknown): RenderFailedError {
  try {
    run();
  } catch (err) {
    if (err instanceof RenderFailedError) return err;
    throw err;
  }
  throw new Error('the render did not fail');
}

describe('escaping', () => {
  const hostile = ctx({ firstName: '<script>alert(1)</script>', lastName: 'Tom & Jerry' });
  const tags = '{{ account.first_name }} {{ account.last_name }}';

  it('escapes <script> in a merged value in HTML, leaving the template markup alone', () => {
    const out = renderEmail(email({ html: `<p>Hi ${tags}</p>` }), hostile);
    expect(out.html).toBe('<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry</p>');
  });

  it('escapes & in a merged value in HTML', () => {
    expect(renderEmail(email({ html: '{{ account.last_name }}' }), hostile).html).toBe(
      'Tom &amp; Jerry',
    );
  });

  it('does not escape the text body', () => {
    const out = renderEmail(email({ text: tags }), hostile);
    expect(out.text).toBe('<script>alert(1)</script> Tom & Jerry');
  });

  it('does not escape the subject', () => {
    expect(renderEmail(email({ subject: tags }), hostile).subject).toBe(
      '<script>alert(1)</script> Tom & Jerry',
    );
  });

  it('does not escape an SMS', () => {
    expect(renderSms(tags, hostile).body).toBe('<script>alert(1)</script> Tom & Jerry');
  });

  it('keeps a merged line break out of the subject', () => {
    const out = renderEmail(
      email({ subject: 'Hi {{ account.first_name }}' }),
      ctx({ firstName: 'A\r\nBcc: x@example.com' }),
    );
    expect(out.subject).toBe('Hi A Bcc: x@example.com');
  });
});

describe('merge tags', () => {
  it('renders every tag of an account and the communication', () => {
    const body = [
      '{{ account.uuid }}',
      '{{ account.first_name }}',
      '{{ account.last_name }}',
      '{{ account.email }}',
      '{{ account.phone }}',
      '{{ account.language }}',
      '{{ account.timezone }}',
      '{{ account.attributes.service_area }}',
      '{{ account.attributes.plan }}',
      '{{ communication.name }}',
    ].join('|');
    expect(renderSms(body).body).toBe(
      '3f2b8c1e-6d4a-4e9b-9a7c-2b5d8e1f0a64|Julie|Tremblay|julie.tremblay@example.com|+16135550142|en|' +
        'America/Toronto|Ottawa East|Fibre 500|Fibre cut, Ottawa East',
    );
  });

  it('applies default under strict mode, to a missing value and to a missing attribute', () => {
    const body =
      '{{ account.first_name | default: "customer" }}/{{ account.attributes.floor | default: "-" }}';
    expect(renderSms(body, ctx({ firstName: null })).body).toBe('customer/-');
    expect(renderSms(body, ctx({ firstName: 'Ann' })).body).toBe('Ann/-');
  });

  it('lets an if test an attribute the account lacks', () => {
    const body = '{% if account.attributes.floor %}floor{% else %}none{% endif %}';
    expect(renderSms(body).body).toBe('none');
  });

  it('fails the render, naming the field, when an attribute is missing and has no default', () => {
    const content = email({ html: '<p>{{ account.attributes.floor }}</p>' });
    const err = renderFailure(() => renderEmail(content));
    expect(err.reason).toBe('missing_value');
    expect(err.where).toEqual({ channel: 'email', language: 'en', field: 'html' });
  });

  it('puts unsubscribe_url in email, escaped in HTML and as is in text', () => {
    const content = email({
      html: '<a href="{{ unsubscribe_url }}">x</a>',
      text: '{{ unsubscribe_url }}',
    });
    const out = renderEmail(content);
    expect(out.html).toBe('<a href="https://crier.example/u/abc?c=1&amp;a=2">x</a>');
    expect(out.text).toBe('https://crier.example/u/abc?c=1&a=2');
  });

  it('lists the attributes content reads, once each, sorted, across channels', () => {
    const content: Content = {
      defaultLanguage: 'en',
      email: {
        en: {
          ...EMAIL,
          subject: '{{ account.attributes.plan }}',
          html: '{{ account.attributes.zone | default: "" }}',
        },
      },
      sms: { en: { body: '{{ account.attributes.plan }} {{ account.first_name }}' } },
    };
    expect(renderer.referencedAttributes(content)).toEqual(['plan', 'zone']);
  });
});

describe('date filter', () => {
  afterEach(() => vi.useRealTimers());
  const content = sms('{{ "2026-12-01T15:00:00Z" | date: "%b %d %H:%M" }}');

  it("formats in each account's own time zone with one compiled template", () => {
    const compiled = renderer.compile(content);
    const at = (timezone: string | null) =>
      renderer.renderSms(compiled, 'en', ctx({ timezone })).body;
    expect(at('America/Toronto')).toBe('Dec 01 10:00');
    expect(at('Asia/Tokyo')).toBe('Dec 02 00:00');
    expect(at(null)).toBe('Dec 01 15:00');
    expect(at('America/Toronto')).toBe('Dec 01 10:00');
  });

  it('falls back to UTC for a zone the runtime does not know', () => {
    expect(
      renderer.renderSms(renderer.compile(content), 'en', ctx({ timezone: 'Mars/Olympus' })).body,
    ).toBe('Dec 01 15:00');
  });

  it('reads the clock on every render for "now"', () => {
    const compiled = renderer.compile(sms('{{ "now" | date: "%Y" }}'));
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z') });
    expect(renderer.renderSms(compiled, 'en', ctx()).body).toBe('2026');
    vi.setSystemTime(new Date('2027-06-01T12:00:00Z'));
    expect(renderer.renderSms(compiled, 'en', ctx()).body).toBe('2027');
  });

  it('honours a zone written in the template', () => {
    expect(renderSms('{{ "2026-12-01T15:00:00Z" | date: "%H:%M", "Europe/Paris" }}').body).toBe(
      '16:00',
    );
  });

  it('names months in the language of the content', () => {
    const body = '{{ "2026-12-01T15:00:00Z" | date: "%d %B" }}';
    const compiled = renderer.compile({
      defaultLanguage: 'en',
      email: null,
      sms: { en: { body }, fr: { body } },
    });
    expect(renderer.renderSms(compiled, 'en', ctx()).body).toBe('01 December');
    expect(renderer.renderSms(compiled, 'fr', ctx()).body).toBe('01 décembre');
  });
});

describe('limits', () => {
  it('refuses a field longer than the parse limit', () => {
    const body = 'x'.repeat(DEFAULT_LIMITS.parseLimit + 1);
    expect(renderer.check(sms(body))).toMatchObject([{ code: 'too_long', line: 1, column: 1 }]);
  });

  it('stops a loop over a huge range (memory)', () => {
    const err = renderFailure(() => renderSms('{% for i in (1..100000000) %}x{% endfor %}'));
    expect(err.reason).toBe('limit_exceeded');
    expect(err.message).toContain('memory');
  });

  it('stops a string that doubles by append (memory)', () => {
    const body =
      '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}';
    const err = renderFailure(() => renderSms(body));
    expect(err.reason).toBe('limit_exceeded');
    expect(err.message).toContain('memory');
  });

  it('stops a render that runs too long (time)', () => {
    const body = '{% for a in (1..3000) %}{% for b in (1..3000) %}{% endfor %}{% endfor %}';
    const started = performance.now();
    const err = renderFailure(() => renderSms(body));
    expect(err.reason).toBe('limit_exceeded');
    expect(err.message).toContain('render limit');
    expect(performance.now() - started).toBeLessThan(DEFAULT_LIMITS.renderLimit * 4);
  });
});

describe('limits per message', () => {
  afterEach(() => vi.restoreAllMocks());
  const loop = (n: number) => `{% for i in (1..${n}) %}{% endfor %}`;
  const threeFields = (n: number) => email({ subject: loop(n), html: loop(n), text: loop(n) });

  it('keeps the default render limit far below a frozen server: 50 ms or less', () => {
    expect(DEFAULT_LIMITS.renderLimit).toBeLessThanOrEqual(50);
    // An outage notice renders in tens of microseconds: the limit leaves a wide margin.
    const outage = email({
      subject: 'Outage in {{ account.attributes.service_area | default: "your area" }}',
      html: '<p>Hello {{ account.first_name }},</p><p>Service is down in {{ account.attributes.service_area }} since {{ "2026-12-01T15:00:00Z" | date: "%H:%M" }}.</p>',
      text: 'Hello {{ account.first_name }}, service is down.',
    });
    const compiled = renderer.compile(outage);
    renderer.renderEmail(compiled, 'en', ctx());
    const runs = 200;
    const started = performance.now();
    for (let i = 0; i < runs; i++) renderer.renderEmail(compiled, 'en', ctx());
    expect((performance.now() - started) / runs).toBeLessThan(DEFAULT_LIMITS.renderLimit / 10);
  });

  it("shares the memory limit between a message's fields", () => {
    const limited = new ContentRenderer({ memoryLimit: 1000 });
    // One field allocating 600 fits; the message's three do not.
    expect(limited.renderSms(limited.compile(sms(loop(600))), 'en', ctx()).body).toBe('');
    const err = renderFailure(() => limited.renderEmail(limited.compile(threeFields(600)), 'en', ctx()));
    expect(err).toMatchObject({ reason: 'limit_exceeded', where: { field: 'html' } });
    expect(err.message).toContain('memory');
  });

  it("shares the time limit between a message's fields", () => {
    let clock = 0;
    // A clock that moves 1 ms each time liquid reads it (once an iteration): a field of 40
    // iterations takes some 40 ms, well within the limit; three of them do not fit.
    vi.spyOn(performance, 'now').mockImplementation(() => clock++);
    const limited = new ContentRenderer({ renderLimit: 100 });
    expect(limited.renderSms(limited.compile(sms(loop(40))), 'en', ctx()).body).toBe('');
    const err = renderFailure(() => limited.renderEmail(limited.compile(threeFields(40)), 'en', ctx()));
    expect(err.reason).toBe('limit_exceeded');
    expect(err.message).toContain('render limit');
    expect(err.where.field).not.toBe('subject');
  });

  it('says where in the field the limit was hit', () => {
    const body = 'Hi\n{% for a in (1..3000) %}{% for b in (1..3000) %}{% endfor %}{% endfor %}';
    const err = renderFailure(() => renderSms(body));
    expect(err.at).toEqual({ line: 2, column: 25 });
  });
});

describe('cost of checking', () => {
  // Checks run on the server's thread on every save, preview and review.
  const tags = (n: number, salt: string): Content =>
    email({ subject: `Notice ${salt}`, html: '<p>{{ account.first_name }}</p>\n'.repeat(n) });
  const timed = (run: () => unknown) => {
    const started = performance.now();
    run();
    return performance.now() - started;
  };
  const fastest = (n: number) => Math.min(...[1, 2, 3].map((i) => timed(() => new ContentRenderer().check(tags(n, `${n}-${i}`)))));

  it('grows linearly with the merge tags in a field, not with their square', () => {
    const small = fastest(1_000);
    const large = fastest(8_000);
    // Eight times the tags: some eight times the work (it was 64 times: 3 s at 8,000 tags, 10 s
    // at 16,000).
    expect(large / small).toBeLessThan(24);
  });

  it('parses content once for the check, attributes and compile of a review, and for each later preview', () => {
    const r = new ContentRenderer();
    const content = tags(4_000, 'once');
    const first = timed(() => r.check(content));
    const again = timed(() => {
      r.referencedAttributes(content);
      r.compile(content);
      r.check(structuredClone(content));
    });
    expect(again).toBeLessThan(first / 4);
    expect(r.check(content)).toEqual([]);
  });
});
