/** Adds an ISO 8601 duration (`P90D`, `P1Y2M`, `PT12H`, already validated) to unix seconds. */
export function addDuration(unixSeconds: number, duration: string): number {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(
    duration,
  );
  if (!m) throw new TypeError(`not an ISO 8601 duration: ${duration}`);
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as number[];
  const date = new Date(unixSeconds * 1000);
  date.setUTCFullYear(date.getUTCFullYear() + y!, date.getUTCMonth() + mo!, date.getUTCDate() + 7 * w! + d!);
  return Math.floor(date.getTime() / 1000) + h! * 3600 + mi! * 60 + s!;
}
