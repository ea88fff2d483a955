// Believable demo accounts for a first look: names and languages of a bilingual North American
// ISP with Spanish-speaking customers, time zones, service areas and plans, and the awkward cases
// an operator meets (no email, no phone, consent withdrawn, addresses that will bounce). The
// data is generated from a fixed seed, so seeding twice yields the same accounts.

const FIRST = {
  en: ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Ethan', 'Sophia', 'Lucas', 'Mia', 'Jack', 'Grace', 'Owen'],
  fr: ['Léa', 'Gabriel', 'Chloé', 'Félix', 'Zoé', 'Thomas', 'Élodie', 'Mathis', 'Juliette', 'Étienne', 'Camille', 'Noémie'],
  es: ['Sofía', 'Mateo', 'Valentina', 'Santiago', 'Camila', 'Diego', 'Lucía', 'Sebastián', 'Isabella', 'Alejandro'],
};
const LAST = {
  en: ['Smith', 'Brown', 'Wilson', 'MacDonald', 'Taylor', 'Campbell', 'Anderson', 'Clarke', "O'Neill", 'Murphy'],
  fr: ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Morin', 'Lavoie', 'Fortin', 'Bélanger'],
  es: ['García', 'Rodríguez', 'Martínez', 'Hernández', 'López', 'González', 'Pérez', 'Sánchez', 'Ramírez', 'Núñez'],
};
const LANGUAGES = [
  { tag: 'en', names: 'en', weight: 45 },
  { tag: 'en-CA', names: 'en', weight: 10 },
  { tag: 'fr-CA', names: 'fr', weight: 25 },
  { tag: 'fr', names: 'fr', weight: 5 },
  { tag: 'es', names: 'es', weight: 15 },
] as const;
const AREAS = [
  { area: 'Montréal-Nord', tz: 'America/Toronto', npa: '514' },
  { area: 'Laval', tz: 'America/Toronto', npa: '450' },
  { area: 'Ottawa East', tz: 'America/Toronto', npa: '613' },
  { area: 'Toronto West', tz: 'America/Toronto', npa: '416' },
  { area: 'Winnipeg North', tz: 'America/Winnipeg', npa: '204' },
  { area: 'Calgary South', tz: 'America/Edmonton', npa: '403' },
  { area: 'Vancouver Island', tz: 'America/Vancouver', npa: '250' },
];
const PLANS = ['Fibre 100', 'Fibre 500', 'Fibre 1G', 'Fixed Wireless 50', 'DSL 25'];

/** mulberry32: small, fast, deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER = 'uuid,first_name,last_name,email,phone,language,timezone,email_consent,sms_consent,service_area,plan\n';

/** CSV text of `count` demo accounts, in chunks of about `rowsPerChunk` rows. */
export function* demoAccountsCsv(count: number, rowsPerChunk = 5000, seed = 20261130): Generator<string> {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const hex = (digits: number) => {
    let s = '';
    for (let i = 0; i < digits; i++) s += Math.floor(rnd() * 16).toString(16);
    return s;
  };
  let chunk = HEADER;
  for (let i = 0; i < count; i++) {
    const uuid = `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rnd() * 4)]}${hex(3)}-${hex(12)}`;
    let w = rnd() * 100;
    const lang = LANGUAGES.find((l) => (w -= l.weight) < 0) ?? LANGUAGES[0];
    const first = pick(FIRST[lang.names]);
    const last = pick(LAST[lang.names]);
    const area = pick(AREAS);
    const r = rnd();
    const localPart = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    // About 1 in 40 bounce (the sandbox fails bounce.example), 1 in 20 has no email.
    const email = r < 0.05 ? '' : `${localPart}${i}@${r < 0.075 ? 'bounce.example' : 'example.com'}`;
    // About 1 in 10 has no phone; numbers ending in 0000 are ones the sandbox reports undeliverable.
    const line = rnd() < 0.02 ? '0000' : String(1000 + Math.floor(rnd() * 8999));
    const phone = rnd() < 0.1 ? '' : `(${area.npa}) 555-${line}`;
    const emailConsent = rnd() < 0.03 ? 'no' : 'yes';
    const smsConsent = rnd() < 0.06 ? 'no' : 'yes';
    chunk += `${uuid},${first},"${last}",${email},${phone},${lang.tag},${area.tz},${emailConsent},${smsConsent},${area.area},${pick(PLANS)}\n`;
    if ((i + 1) % rowsPerChunk === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** The service area of the README's example, "Laval outage". */
export const DEMO_OUTAGE_AREA = 'Laval';

/**
 * A recipients CSV (`account_uuid`) of the demo accounts in one service area that some channel
 * can reach, as a business system would export the accounts hit by an outage: what `crier comms
 * recipients` attaches without a rejected row (the awkward cases still show up when sending).
 */
export function demoRecipientsCsv(count: number, area = DEMO_OUTAGE_AREA): { csv: string; accounts: number } {
  const uuids: string[] = [];
  for (const chunk of demoAccountsCsv(count)) {
    for (const line of chunk.split('\n')) {
      // The generator writes no commas inside fields: the columns split plainly.
      const [uuid, , , email, phone, , , emailConsent, smsConsent, serviceArea] = line.split(',');
      const reachable = (email !== '' && emailConsent === 'yes') || (phone !== '' && smsConsent === 'yes');
      if (serviceArea === area && reachable) uuids.push(uuid!);
    }
  }
  return { csv: `account_uuid\n${uuids.map((u) => `${u}\n`).join('')}`, accounts: uuids.length };
}
