/** PortalTime.iso renders UTC without Luxon and remembers other zones' texts: always Luxon's text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import './helpers/propertySeed.js';
import { DateTime } from 'luxon';
import { PortalTime } from '../src/core/portalTime.js';

const luxonIso = (s: number, zone: string) =>
  DateTime.fromSeconds(Math.max(-8.64e12, Math.min(8.64e12, Math.floor(s))), { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");

test('iso is the Luxon rendering, in UTC and in other zones, edges included', () => {
  for (const zone of ['UTC', 'Etc/UTC', 'Europe/Berlin', 'Asia/Kolkata', 'America/St_Johns']) {
    const t = new PortalTime(zone);
    for (const s of [0, -1, 59.999, 951782400, 1711846800, 253402300799, 253402300800, -62135596800, 8.64e12]) {
      assert.equal(t.iso(s), luxonIso(s, zone), `${zone} ${s}`);
      assert.equal(t.iso(s), luxonIso(s, zone), `${zone} ${s} (remembered)`);
    }
    fc.assert(
      fc.property(fc.double({ min: -1e11, max: 3e11, noNaN: true }), (s) => t.iso(s) === luxonIso(s, zone)),
      { numRuns: 300 },
    );
  }
});
