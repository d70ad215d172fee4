// Linux signal names and numbers (x86-64 and arm64 agree on all of these). Pure: used by
// config validation, the API and the process port alike, so a name means one thing everywhere.

export const SIGNALS = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10,
  SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19,
  TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28,
  IO: 29, PWR: 30, SYS: 31,
} as const;

export type SignalName = keyof typeof SIGNALS;

const BY_NUMBER = new Map<number, SignalName>(
  Object.entries(SIGNALS).map(([name, num]) => [num, name as SignalName]),
);

/**
 * Accepts what supervisord accepts: a name with or without "SIG", any case, or a number
 * (as number or numeric string). Returns the canonical name ("TERM"), or null if unknown.
 */
export function parseSignal(input: string | number): SignalName | null {
  if (typeof input === "number") return BY_NUMBER.get(input) ?? null;
  const s = input.trim().toUpperCase();
  if (/^\d+$/.test(s)) return BY_NUMBER.get(Number(s)) ?? null;
  const bare = s.startsWith("SIG") ? s.slice(3) : s;
  return bare in SIGNALS ? (bare as SignalName) : null;
}

export function signalNumber(name: SignalName): number {
  return SIGNALS[name];
}

export function signalNameOf(num: number): SignalName | null {
  return BY_NUMBER.get(num) ?? null;
}
