import { DateTime, IANAZone } from "luxon";

/** Local wall-clock times, `HH:MM`; a window that ends before it starts crosses midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after local midnight, or undefined for anything but `HH:MM`. */
export function clockMinutes(text: string): number | undefined {
  if (text.length !== 5) return undefined;
  const match = CLOCK.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** The user's own zone when it is a real IANA zone; otherwise the shop's. */
export function zoneOrDefault(zone: string | undefined, fallback: string): string {
  return zone && zone.length <= 64 && IANAZone.isValidZone(zone) ? zone : fallback;
}

/**
 * When the quiet hours around `at` end, in the user's zone; undefined when `at` is outside
 * them. Wall-clock times follow the zone's daylight-saving changes: a night that loses an hour
 * is an hour shorter, and an end that falls in the skipped hour moves past it.
 */
export function quietUntil(at: Date, zone: string, quiet: QuietHours): Date | undefined {
  const start = clockMinutes(quiet.start);
  const end = clockMinutes(quiet.end);
  if (start === undefined || end === undefined || start === end) return undefined;
  const local = DateTime.fromJSDate(at, { zone });
  const now = local.hour * 60 + local.minute;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  const endOn = (day: DateTime) =>
    day.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  const today = endOn(local);
  return (today > local ? today : endOn(local.plus({ days: 1 }))).toJSDate();
}
