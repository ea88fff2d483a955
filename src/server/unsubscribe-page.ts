// The pages a recipient sees from an unsubscribe link: plain HTML, no script and no external
// asset (it must work in any browser, and load nothing a mail scanner could follow), readable
// with a screen reader and on a phone. English, or French for messages sent in French.

export type UnsubscribePage = 'confirm' | 'done' | 'invalid';

interface Texts {
  title: Record<UnsubscribePage, string>;
  confirm(address: string): string;
  button: string;
  done(address: string): string;
  invalid: string;
}

const EN: Texts = {
  title: { confirm: 'Unsubscribe', done: 'You are unsubscribed', invalid: 'This link does not work' },
  confirm: (a) => `Unsubscribe <strong>${a}</strong> from these emails?`,
  button: 'Unsubscribe',
  done: (a) => `<strong>${a}</strong> will not receive these emails any more. You can close this page.`,
  invalid: 'This unsubscribe link is not valid. Check that the whole link from the email was copied, or reply to the email to ask.',
};

const FR: Texts = {
  title: { confirm: 'Désabonnement', done: 'Vous êtes désabonné', invalid: 'Ce lien ne fonctionne pas' },
  confirm: (a) => `Ne plus envoyer ces courriels à <strong>${a}</strong>?`,
  button: 'Me désabonner',
  done: (a) => `<strong>${a}</strong> ne recevra plus ces courriels. Vous pouvez fermer cette page.`,
  invalid: 'Ce lien de désabonnement n’est pas valide. Vérifiez que le lien du courriel a été copié en entier, ou répondez au courriel.',
};

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * j***@e***.com: enough for the recipient to recognise their address, too little for someone
 * holding a forwarded link to learn it.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  const domain = address.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${address[0]}***@${domain[0] ?? ''}***${tld}`;
}

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f4f5;color:#18181b}
main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px}
h1{font-size:1.5rem;margin-top:0}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1d4ed8;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}`;

/** A whole page; `address` is the full address (masked here), `language` the message's. */
export function unsubscribePage(page: UnsubscribePage, options: { address?: string; language?: string | null } = {}): string {
  const lang = options.language?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
  const t = lang === 'fr' ? FR : EN;
  const address = escape(maskEmail(options.address ?? ''));
  const body =
    page === 'confirm'
      ? `<p>${t.confirm(address)}</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${t.button}</button></form>`
      : page === 'done'
        ? `<p>${t.done(address)}</p>`
        : `<p>${t.invalid}</p>`;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${t.title[page]}</title><style>${STYLE}</style></head>
<body><main><h1>${t.title[page]}</h1>
${body}
</main></body></html>`;
}
