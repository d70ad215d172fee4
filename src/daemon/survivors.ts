// What a stop left alive: members of the stopped program's process group (with stopasgroup
// and killasgroup off, a child the program started outlives it). Named, so `tend stop`
// reports them instead of claiming the program is gone.

import { groupAlive } from "./process-port.ts";
import { liveMembers, namePid } from "../sys/proc.ts";

/** How long a member that was just sent SIGKILL (or is exiting) gets to be gone. */
const GRACE_MS = 1000;

/** "1234 (sleep)" for each live member of process group `pgid`; [] when it is empty. */
export async function leftInGroup(pgid: number): Promise<string[]> {
  // kill(-pgid, 0) first: the common case (an empty group) costs no walk of /proc.
  if (!groupAlive(pgid)) return [];
  const deadline = performance.now() + GRACE_MS;
  for (;;) {
    let pids: number[];
    try {
      pids = liveMembers(pgid);
    } catch {
      // /proc cannot be read (no descriptor left to read it with): say what is known.
      return groupAlive(pgid) ? [`process group ${pgid}`] : [];
    }
    if (pids.length === 0 || performance.now() >= deadline) return pids.map(namePid);
    await Bun.sleep(20);
  }
}
