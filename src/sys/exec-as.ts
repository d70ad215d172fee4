// `tend __exec-as NOFILE UID GID GROUPS FILE ARGV0 [ARG...]`: set the open-files limit
// (NOFILE = "SOFT:HARD"), become a user with all of its groups (UID GID GROUPS, or "- - -" to
// stay who we are), then exec its program in place (same pid, same process group, same pipes).
//
// Why a step of its own: Bun.spawn's uid/gid options call setgroups(0, NULL) in the child
// before setgid/setuid (measured on Bun 1.4.5 with strace), so a program run as a user loses
// the user's supplementary groups (docker, ssl-cert, a shared socket's group), which
// supervisord gives it through initgroups(3). There is no spawn option for a group list, so
// the daemon runs this, still as root, and it sets the list, the gid and the uid, then
// execve()s. Only users with supplementary groups go this way (user-launch.ts), and programs
// whose open-files limit the daemon cannot set around the spawn (child-fd-limit.ts). The
// limit is always set here: this is a Bun process, and Bun raised its soft limit on start.

/** Runs in the helper process; returns only on failure, with the exit code to leave with. */
export async function execAs(argv: readonly string[]): Promise<number> {
  const [nofileS, uidS, gidS, groupsS, file, argv0, ...args] = argv;
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);
  const nofile = /^(\d+):(\d+)$/.exec(nofileS ?? "");
  const keep = uidS === "-" && gidS === "-" && groupsS === "-";
  const uid = num(uidS);
  const gid = num(gidS);
  const groups = (groupsS ?? "").split(",").filter(Boolean).map(num);
  const identity = keep || (Number.isInteger(uid) && Number.isInteger(gid) && groups.every((g) => Number.isInteger(g)));
  if (!nofile || !identity || !file || argv0 === undefined) {
    process.stderr.write("tend __exec-as: usage: SOFT:HARD UID GID GROUP,... FILE ARGV0 [ARG...] (internal to the daemon)\n");
    return 2;
  }
  const { setFdLimit } = await import("./libc.ts");
  if (!setFdLimit(Number(nofile[1]), Number(nofile[2]))) {
    process.stderr.write(`tend: cannot set the open-files limit to ${nofile[1]} (hard ${nofile[2]})\n`);
    return 126;
  }
  if (!keep) {
    try {
      // Groups first, while still root; then gid, then uid (after which no change is allowed).
      process.setgroups!(groups); // present on every POSIX platform tend runs on
      process.setgid!(gid);
      process.setuid!(uid);
    } catch (e) {
      process.stderr.write(`tend: cannot switch to uid ${uid} gid ${gid} groups ${groups.join(",")}: ${(e as Error).message}\n`);
      return 126;
    }
  }
  // Bun ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across execve: a
  // handler instead is reset to the default by execve, as the program would have had it.
  process.on("SIGPIPE", () => {});
  process.on("SIGXFSZ", () => {});
  // Bun flags execve as experimental; the warning would land in the program's stderr log
  // whenever the exec fails, beside our own message.
  process.removeAllListeners("warning");
  const who = keep ? "" : ` as uid ${uid}`;
  try {
    process.execve!(file, [argv0, ...args], process.env);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`tend: cannot run ${file}${who}: ${code ?? (e as Error).message}\n`);
    return code === "ENOENT" ? 127 : 126;
  }
  return 126;
}
