// What the request log keeps of a URL: which page, never a working link or a credential. Fastify
// logs every request's URL; a token in its query string (`?access_token=`, a setup link) or an
// unsubscribe link's signature would otherwise outlive its use in every log file and pipe.
import type { FastifyRequest } from 'fastify';

/** Query parameters whose names say they carry a secret: `access_token`, `api_key`, `sig`, … */
const SECRET_PARAMETER = /token|secret|passw|pwd|key|sig|auth|session|csrf|credential/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CENSOR = '[redacted]';

/**
 * A value that looks like a token whatever it is called: Crier's own (`crier_…`), or a long run
 * of letters and digits such as a signature or a random key. Account UUIDs are identifiers that
 * a diagnosis needs, not secrets.
 */
function tokenShaped(value: string): boolean {
  if (value.startsWith('crier_')) return true;
  return value.length >= 20 && /^[A-Za-z0-9._~+/=-]+$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value) && !UUID.test(value);
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The URL with an unsubscribe link's signature and every secret-named or token-shaped query value replaced. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  const path = (at < 0 ? url : url.slice(0, at)).replace(/(\/unsubscribe\/\d+)\.[^/]*/, `$1.${CENSOR}`);
  if (at < 0) return path;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return tokenShaped(decoded(pair)) ? CENSOR : pair;
      const name = pair.slice(0, eq);
      return SECRET_PARAMETER.test(decoded(name)) || tokenShaped(decoded(pair.slice(eq + 1))) ? `${name}=${CENSOR}` : pair;
    });
  return `${path}?${query.join('&')}`;
}

/** Fastify's request serializer with the URL redacted: pino uses it for every record with a `req`. */
export const LOG_SERIALIZERS = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
};
