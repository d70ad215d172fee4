// One small function per client subcommand: call the API, print, return the exit code.

import type { ServiceDTO } from "../api/dto.ts";
import { exitCodeOf } from "../api/error-map.ts";
import { Client } from "../client/client.ts";
import { TendError, isTendError } from "../core/errors.ts";
import { isRunningState } from "../core/states.ts";
import { isLive } from "../sys/proc.ts";
import type { Command } from "./parse-args.ts";
import { groupOfSpec, isMany, selects } from "../core/names.ts";
import { paletteFor } from "./colour.ts";
import { PLAIN, namespec, reloadPlan, resultLine, statusTable, type Palette } from "./render.ts";


async function status(client: Client, names: string[], json: boolean): Promise<number> {
  const all = await client.services();
  let shown = all;
  let code = 0;
  const errors: string[] = [];
  if (names.length) {
    shown = [];
    for (const spec of names) {
      const hit = all.filter((s) => selects(spec, s));
      if (hit.length === 0) {
        const isGroup = groupOfSpec(spec) !== null;
        const known = isGroup ? [...new Set(all.map((s) => `${s.group}:*`))] : all.map(namespec);
        errors.push(`${spec}: ERROR (no such ${isGroup ? "group" : "process"}; known: ${known.join(", ") || "none"})`);
        code = 4;
      }
      for (const s of hit) if (!shown.includes(s)) shown.push(s);
    }
  }
  if (json) console.log(JSON.stringify(shown, null, 2));
  else if (shown.length) console.log(statusTable(shown, paletteFor(1)));
  for (const e of errors) console.error(e);
  // supervisorctl: 3 if any listed process is stopped (wins over a bad name), 0 if all up.
  if (shown.some((s) => !isRunningState(s.state) && s.state !== "STOPPING")) code = 3;
  return code;
}

async function action(client: Client, verb: "start" | "stop" | "restart", names: string[], wait: boolean): Promise<number> {
  const [p, pErr] = [paletteFor(1), paletteFor(2)];
  let code = 0;
  // Each NAME in order; a bad name is reported and the rest still run.
  const outcomes = await Promise.all(
    names.map((n) => client.action(n, verb, wait).then((rs) => ({ rs, n }), (e: unknown) => ({ e, n }))),
  );
  // restart prints what supervisorctl's does (a stop, then a start): first every "stopped",
  // then every "started". A process named alone that was not running: "ERROR (not running)".
  // With --no-wait nothing is done yet: the daemon's answer ("restarting") is printed as is.
  const waitedRestart = verb === "restart" && wait;
  if (waitedRestart) {
    for (const o of outcomes) {
      if ("e" in o) continue;
      for (const r of o.rs) {
        if (r.stopped) console.log(`${namespec(r)}: stopped`);
        else if (!isMany(o.n)) console.log(`${namespec(r)}: ${p.red("ERROR")} (not running)`);
      }
    }
  }
  for (const o of outcomes) {
    if ("e" in o) {
      const err = o.e as TendError;
      if (err.code === "NO_DAEMON" || err.code === "SHUTTING_DOWN") throw err;
      console.error(`${o.n}: ${pErr.red("ERROR")} (${err.message})`);
      code = Math.max(code, exitCodeOf(err.code ?? "FAILED"));
      continue;
    }
    for (const r of o.rs) {
      console.log(resultLine(waitedRestart && r.ok ? { ...r, message: "started" } : r, p));
      // supervisorctl: "not running" is no failure for stop, as "already started" is none for start.
      const harmless = verb === "stop" && r.code === "NOT_RUNNING";
      if (!r.ok && r.code && !harmless) code = Math.max(code, exitCodeOf(r.code));
    }
  }
  return code;
}

async function signal(client: Client, sig: string, names: string[]): Promise<number> {
  const [p, pErr] = [paletteFor(1), paletteFor(2)];
  let code = 0;
  for (const n of names) {
    try {
      for (const r of await client.signal(n, sig)) {
        console.log(resultLine(r, p));
        if (!r.ok && r.code) code = Math.max(code, exitCodeOf(r.code));
      }
    } catch (e) {
      const err = e as TendError;
      if (err.code === "NO_DAEMON") throw err;
      console.error(`${n}: ${pErr.red("ERROR")} (${err.message})`);
      code = Math.max(code, exitCodeOf(err.code ?? "FAILED"));
    }
  }
  return code;
}

async function pid(client: Client, name: string | null): Promise<number> {
  if (name === null) {
    console.log((await client.daemon()).pid);
    return 0;
  }
  const s = await client.service(name);
  console.log(s.pid ?? 0);
  return s.pid ? 0 : 7;
}

/**
 * "Shut down" and exit 0 only when the daemon said every process is gone and then exited.
 * The daemon names what it could not stop (STILL_RUNNING); if it ends without answering,
 * the programs it had are checked here and any still alive are named.
 */
async function shutdown(client: Client): Promise<number> {
  const info = await client.daemon();
  const before = await client.services();
  try {
    await client.shutdown();
  } catch (e) {
    if (isTendError(e) && e.code === "STILL_RUNNING") throw e;
    const alive = before.filter((s) => s.pid && isLive(s.pid)).map((s) => `${s.name} (pid ${s.pid})`);
    throw new TendError(
      "STILL_RUNNING",
      `the daemon (pid ${info.pid}) ended without confirming that its programs stopped (${(e as Error).message})` +
        (alive.length ? `; still running: ${alive.join(", ")}` : "; none of its programs' pids is alive"),
    );
  }
  // Return once the daemon is gone, so scripts can rely on it.
  // Gone, or a zombie its parent has not reaped yet: gone for us.
  while (isLive(info.pid)) await Bun.sleep(10);
  console.log("Shut down");
  return 0;
}

async function tail(client: Client, name: string, stream: "stdout" | "stderr", lines: number, follow: boolean): Promise<number> {
  if (!follow) {
    const text = await client.log(name, stream, lines);
    if (text) await Bun.write(Bun.stdout, text);
    return 0;
  }
  // The daemon ends a follow when the program's config is replaced (reload): pick it up again.
  let n = lines;
  for (;;) {
    const body = await client.follow(name, stream, n);
    for await (const chunk of body) await Bun.write(Bun.stdout, chunk);
    n = 0;
    await Bun.sleep(100);
  }
}

export async function runClientCommand(cmd: Command, socket: string): Promise<number> {
  const client = new Client(socket);
  switch (cmd.kind) {
    case "status":
      return status(client, cmd.names, cmd.json);
    case "action":
      return action(client, cmd.action, cmd.names, cmd.wait);
    case "signal":
      return signal(client, cmd.signal, cmd.names);
    case "pid":
      return pid(client, cmd.name);
    case "tail":
      return tail(client, cmd.name, cmd.stream, cmd.lines, cmd.follow);
    case "logs":
      return logs(client, cmd.names, cmd.lines, cmd.follow, paletteFor(1));
    case "reload": {
      console.log(reloadPlan(await client.reload(cmd.dryRun)));
      return 0;
    }
    case "shutdown":
      return shutdown(client);
    default:
      throw new TendError("INTERNAL", `not a client command: ${cmd.kind}`);
  }
}

/** `tend logs`: every selected program's stdout and stderr, line by line, "name | line". */
async function logs(client: Client, names: string[], lines: number, follow: boolean, p: Palette): Promise<number> {
  const all = await client.services();
  const chosen = names.length ? all.filter((s) => names.some((n) => selects(n, s))) : all;
  for (const n of names) {
    if (!all.some((s) => selects(n, s))) throw new TendError("BAD_NAME", `no such process: ${n} (known: ${all.map(namespec).join(", ") || "none"})`);
  }
  const width = Math.max(0, ...chosen.map((s) => s.name.length));
  const prefix = (s: ServiceDTO, stream: string) => {
    const label = `${s.name.padEnd(width)} ${stream === "stderr" ? "!" : "|"}`;
    return p === PLAIN ? `${label} ` : `${p.dim(label)} `;
  };
  const print = (s: ServiceDTO, stream: string, text: string) => {
    if (!text) return;
    const body = text.endsWith("\n") ? text.slice(0, -1) : text;
    console.log(body.split("\n").map((l) => prefix(s, stream) + l).join("\n"));
  };
  if (!follow) {
    for (const s of chosen) {
      for (const stream of ["stdout", "stderr"] as const) {
        if ((stream === "stdout" ? s.stdout_logfile : s.stderr_logfile) === null) continue;
        print(s, stream, await client.log(s.name, stream, lines));
      }
    }
    return 0;
  }
  const decoder = () => new TextDecoder();
  await Promise.all(
    chosen.flatMap((s) =>
      (["stdout", "stderr"] as const)
        .filter((stream) => stream === "stdout" || s.stderr_logfile !== null || s.stdout_logfile === null)
        .map(async (stream) => {
          const body = await client.follow(s.name, stream, lines);
          const dec = decoder();
          let partial = "";
          for await (const chunk of body) {
            const text = partial + dec.decode(chunk, { stream: true });
            const cut = text.lastIndexOf("\n");
            if (cut === -1) {
              partial = text;
              continue;
            }
            partial = text.slice(cut + 1);
            print(s, stream, text.slice(0, cut + 1));
          }
          if (partial) print(s, stream, partial);
        }),
    ),
  );
  return 0;
}
