// How the communication view writes numbers, dates and durations: in the viewer's locale and
// time zone (the browser's), as the list does.

const numbers = new Intl.NumberFormat();

export function count(n: number): string {
  return numbers.format(n);
}

/** "1,234 / 1,300 (95 %)"; the percentage floored, so 99.9 % never reads as 100 %. */
export function sentOf(sent: number, total: number): string {
  if (total === 0) return `${count(sent)} / ${count(total)}`;
  const percent = Math.floor((sent / total) * 100);
  return `${count(sent)} / ${count(total)} (${percent} %)`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function when(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** The exact moment, with the time zone, for a hover. */
export function exactly(iso: string): string {
  return exact.format(new Date(iso));
}

export function timeOfDay(iso: string | number): string {
  return clock.format(new Date(iso));
}

/** "2 h 05 min", "4 min 10 s", "12 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(rest).padStart(2, '0')} s`;
  return `${rest} s`;
}

export function rate(perSecond: number): string {
  return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: perSecond < 10 ? 1 : 0 }).format(perSecond)} messages/s`;
}
