/**
 * Days as the portal counts them. Sprint dates are Unix seconds of a moment in the portal's time zone
 * (e.g. 00:00 of the start day there); read as UTC days they showed the day before on portals east of
 * UTC. The zone comes with the session (GET /_scrumd/board/api/session → timeZone).
 */
let zone = 'UTC';
let format = formatter(zone);

function formatter(timeZone: string): Intl.DateTimeFormat {
  try {
    // en-CA writes dates as YYYY-MM-DD, the form of <input type="date"> and of the REST dates
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    return new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
  }
}

/** Sets the portal's time zone (an IANA name); an unknown one leaves days in UTC. */
export function setPortalZone(timeZone: string | undefined): void {
  if (!timeZone || timeZone === zone) return;
  zone = timeZone;
  format = formatter(timeZone);
}

/** The portal day (YYYY-MM-DD) of Unix seconds; '—' for none. */
export function day(t: number | null): string {
  return t === null ? '—' : format.format(new Date(t * 1000));
}
