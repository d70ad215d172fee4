// "did you mean ...?" for unknown keys and names: a hand map of the confusions people really
// make (other tools' spellings), then the closest known word by edit distance.

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("autorestrat"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Case and `-`/`_` differences are not worth an edit each: `Stop-Signal` is `stop_signal`. */
function fold(word: string): string {
  return word.toLowerCase().replaceAll("-", "_");
}

/**
 * The known word `word` most likely meant, or null. `confusions` maps folded wrong spellings to
 * the right key and wins over distance (`cwd` is far from `directory` but means it).
 */
export function suggest(
  word: string,
  known: readonly string[],
  confusions: Readonly<Record<string, string>> = {},
): string | null {
  const folded = fold(word);
  const exact = known.find((k) => fold(k) === folded);
  if (exact !== undefined) return exact;
  const mapped = Object.hasOwn(confusions, folded) ? confusions[folded] : undefined;
  if (mapped !== undefined) return mapped;
  // Also compare with underscores removed, so `stopwait_secs` ~ `stopwaitsecs`.
  const squashed = folded.replaceAll("_", "");
  const limit = Math.max(1, Math.floor(folded.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const distance = Math.min(editDistance(folded, fold(k)), editDistance(squashed, fold(k).replaceAll("_", "")));
    if (distance < bestDistance) {
      best = k;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : null;
}

/** `; did you mean "directory"?` or "" — ready to append to a message. */
export function didYouMean(
  word: string,
  known: readonly string[],
  confusions: Readonly<Record<string, string>> = {},
): string {
  const s = suggest(word, known, confusions);
  return s === null ? "" : `; did you mean ${JSON.stringify(s)}?`;
}
