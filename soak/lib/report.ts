// What a soak run found: figures per scenario and every invariant broken, printed at the end
// as a table (for RELIABILITY.md) and kept as JSON.

export interface Violation {
  readonly scenario: string;
  readonly invariant: string;
  readonly detail: string;
  readonly at: string;
}

export class Report {
  readonly violations: Violation[] = [];
  readonly figures = new Map<string, Map<string, string | number>>();
  readonly started = Date.now();

  /** Count of violations per scenario/invariant; only the first few are kept in full. */
  readonly counts = new Map<string, number>();

  fail(scenario: string, invariant: string, detail: string): void {
    const key = `${scenario} / ${invariant}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (n > KEEP_PER_INVARIANT) return;
    const v = { scenario, invariant, detail, at: new Date().toISOString() };
    this.violations.push(v);
    log(scenario, `VIOLATION ${invariant}: ${detail}`);
  }

  get violationCount(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Check `ok`; count the check either way. */
  check(scenario: string, invariant: string, ok: boolean, detail: () => string): boolean {
    this.add(scenario, `checks: ${invariant}`, 1);
    if (!ok) this.fail(scenario, invariant, detail());
    return ok;
  }

  set(scenario: string, key: string, value: string | number): void {
    let m = this.figures.get(scenario);
    if (!m) this.figures.set(scenario, (m = new Map()));
    m.set(key, value);
  }

  add(scenario: string, key: string, by: number): void {
    const cur = this.figures.get(scenario)?.get(key);
    this.set(scenario, key, (typeof cur === "number" ? cur : 0) + by);
  }

  max(scenario: string, key: string, value: number): void {
    const cur = this.figures.get(scenario)?.get(key);
    if (typeof cur !== "number" || value > cur) this.set(scenario, key, value);
  }

  markdown(): string {
    const lines: string[] = [];
    for (const [scenario, m] of this.figures) {
      lines.push(`### ${scenario}`, "", "| figure | value |", "|---|---|");
      for (const [k, v] of m) lines.push(`| ${k} | ${typeof v === "number" ? fmt(v) : v} |`);
      lines.push("");
    }
    lines.push(`Invariant violations: ${this.violationCount}`);
    for (const [key, n] of this.counts) lines.push(`- ${key}: ${n} time(s)`);
    for (const v of this.violations) lines.push(`  - ${v.at} ${v.scenario} / ${v.invariant}: ${v.detail}`);
    return lines.join("\n");
  }

  json(): unknown {
    return {
      started: new Date(this.started).toISOString(),
      minutes: (Date.now() - this.started) / 60_000,
      figures: Object.fromEntries([...this.figures].map(([s, m]) => [s, Object.fromEntries(m)])),
      violations: Object.fromEntries(this.counts),
      examples: this.violations,
    };
  }
}

const KEEP_PER_INVARIANT = 5;

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

export const MB = 1024 * 1024;

export function log(scenario: string, msg: string): void {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${scenario}: ${msg}\n`);
}
