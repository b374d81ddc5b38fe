/** A cost with its currency, two decimals (`EUR 12.34`). */
export function formatCost(cost: number, currency: string): string {
  return `${currency} ${cost.toFixed(2)}`;
}

const DAY = 86_400_000;

/** The last `days` whole days up to `now` (the last one ending now), oldest first, as cost periods. */
export function lastDays(days: number, now = new Date()) {
  return Array.from({ length: days }, (_, i) => {
    const to = new Date(now.getTime() - (days - 1 - i) * DAY);
    return {
      from: new Date(to.getTime() - DAY).toISOString(),
      to: to.toISOString(),
    };
  });
}
