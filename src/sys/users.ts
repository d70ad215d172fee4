// User lookup from /etc/passwd (no NSS through FFI: containers and edge boxes keep users
// there, and a static file read cannot hang). Accepts a name or a numeric uid.

import { readFileSync } from "node:fs";

export interface UserEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

export function lookupUser(spec: string, passwdFile = "/etc/passwd"): UserEntry | null {
  let text: string;
  try {
    text = readFileSync(passwdFile, "utf8");
  } catch {
    return null;
  }
  const numeric = /^\d+$/.test(spec) ? Number(spec) : null;
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 7) continue;
    const [name, , uid, gid, , home, shell] = f as [string, string, string, string, string, string, string];
    if (name === spec || (numeric !== null && Number(uid) === numeric)) {
      return { name, uid: Number(uid), gid: Number(gid), home, shell };
    }
  }
  return null;
}
