// One small function per client subcommand: call the API, print, return the exit code.

import { readFileSync } from "node:fs";
import type { ServiceDTO } from "../api/dto.ts";
import { exitCodeOf } from "../api/error-map.ts";
import { Client } from "../client/client.ts";
import { TendError } from "../core/errors.ts";
import { isRunningState } from "../core/states.ts";
import { isatty } from "../sys/libc.ts";
import type { Command } from "./parse-args.ts";
import { COLOURS, PLAIN, namespec, reloadPlan, resultLine, statusTable, type Palette } from "./render.ts";

const palette = (): Palette => (process.env.NO_COLOR === undefined && isatty(1) ? COLOURS : PLAIN);

/** Does `spec` (name, group:name, GROUP:*, all) select service `s`? */
function selects(spec: string, s: ServiceDTO): boolean {
  if (spec === "all") return true;
  const m = /^(.+):\*?$/.exec(spec);
  if (m) return s.group === m[1];
  return spec === s.name || spec === namespec(s);
}

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
        errors.push(`${spec}: ERROR (no such ${spec.includes(":") ? "group" : "process"}; known: ${all.map(namespec).join(", ") || "none"})`);
        code = 4;
      }
      for (const s of hit) if (!shown.includes(s)) shown.push(s);
    }
  }
  if (json) console.log(JSON.stringify(shown, null, 2));
  else if (shown.length) console.log(statusTable(shown, palette()));
  for (const e of errors) console.error(e);
  // supervisorctl: 3 if any listed process is stopped (wins over a bad name), 0 if all up.
  if (shown.some((s) => !isRunningState(s.state) && s.state !== "STOPPING")) code = 3;
  return code;
}

async function action(client: Client, verb: "start" | "stop" | "restart", names: string[], wait: boolean): Promise<number> {
  const p = palette();
  let code = 0;
  // Each NAME in order; a bad name is reported and the rest still run.
  const outcomes = await Promise.all(
    names.map((n) => client.action(n, verb, wait).then((rs) => ({ rs }), (e: unknown) => ({ e, n }))),
  );
  for (const o of outcomes) {
    if ("e" in o) {
      const err = o.e as TendError;
      if (err.code === "NO_DAEMON" || err.code === "SHUTTING_DOWN") throw err;
      console.error(`${o.n}: ${p.red("ERROR")} (${err.message})`);
      code = Math.max(code, exitCodeOf(err.code ?? "FAILED"));
      continue;
    }
    for (const r of o.rs) {
      console.log(resultLine(r, p));
      if (!r.ok && r.code) code = Math.max(code, exitCodeOf(r.code));
    }
  }
  return code;
}

async function signal(client: Client, sig: string, names: string[]): Promise<number> {
  let code = 0;
  for (const n of names) {
    try {
      for (const r of await client.signal(n, sig)) {
        console.log(resultLine(r, palette()));
        if (!r.ok && r.code) code = Math.max(code, exitCodeOf(r.code));
      }
    } catch (e) {
      const err = e as TendError;
      if (err.code === "NO_DAEMON") throw err;
      console.error(`${n}: ERROR (${err.message})`);
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

/** Alive and not a zombie (a daemon whose parent has not reaped it yet is gone for us). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

async function shutdown(client: Client): Promise<number> {
  const info = await client.daemon();
  await client.shutdown();
  // Return once the daemon is gone, so scripts can rely on it.
  while (isAlive(info.pid)) await Bun.sleep(10);
  console.log("Shut down");
  return 0;
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
    case "tail": {
      const text = await client.log(cmd.name, cmd.stream, cmd.lines);
      if (text) await Bun.write(Bun.stdout, text);
      return 0;
    }
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
