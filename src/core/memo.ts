/**
 * Results of a pure function remembered by argument, for the hot path: the functions called on every
 * request again and again with the same few arguments (a webhook's secret, a scope list, a field
 * name, the second a request started in). At `limit` remembered results it starts afresh, so memory
 * stays bounded whatever arguments arrive.
 */
export function memoized<K, V>(compute: (key: K) => V, limit: number): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size >= limit) known.clear();
      known.set(key, value);
    }
    return value;
  };
}
