// The commands around a supervisord config: `tend import FILE [-o OUT]`, and `tend check` /
// `tend daemon` given a supervisord .conf (converted on the way in, with what was not carried
// said on stderr and in the daemon's log).

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatIssues } from "../config/load.ts";
import { parseConfigText } from "../config/load.ts";
import type { ConfigIssue } from "../config/types.ts";
import { isTendError } from "../core/errors.ts";
import { convertSupervisordConfig, type Conversion, type Dropped } from "./convert.ts";
import { loadSupervisordConfig, locateIssues } from "./load.ts";
import { programLine, reportProblems } from "../cli/check.ts";

export function formatDropped(d: Dropped): string {
  const what = d.key === null ? `[${d.section}]` : `[${d.section}] ${d.key}${d.value !== null ? ` = ${d.value}` : ""}`;
  return `${d.file}:${d.line}: not carried: ${what}: ${d.reason}`;
}

const UNSET = /^environment variable (\w+) is not set/;

function report(conv: Conversion): void {
  for (const w of conv.warnings) console.error(`warning: ${w}`);
  for (const d of conv.dropped) console.error(formatDropped(d));
}

/** `tend import FILE [-o OUT]`: print (or write) the tend config; exit 2 if it cannot be converted. */
export function runImport(file: string, out: string | null): number {
  const path = resolve(file);
  const conv = convertSupervisordConfig(path, process.env);
  report(conv);
  if (conv.problems.length) {
    console.error(formatIssues(conv.problems));
    console.error(`${conv.problems.length} problem${conv.problems.length === 1 ? "" : "s"}: nothing written`);
    return 2;
  }
  // The output must load as a tend config. Variables it takes from the environment may not be
  // set where the import runs: that is for where tend will run.
  try {
    parseConfigText(conv.toml, out ? resolve(out) : path, process.env);
  } catch (e) {
    if (!(isTendError(e) && e.code === "INVALID_CONFIG" && Array.isArray(e.details))) throw e;
    const issues = locateIssues(e.details as ConfigIssue[], conv, path);
    const real = issues.filter((i) => !UNSET.test(i.message));
    for (const i of issues.filter((x) => UNSET.test(x.message))) {
      console.error(`warning: ${UNSET.exec(i.message)![1]} is not set here; tend needs it in its environment (${i.file}${i.line ? `:${i.line}` : ""})`);
    }
    if (real.length) {
      console.error(formatIssues(real));
      console.error(`${real.length} problem${real.length === 1 ? "" : "s"} in the converted config: nothing written`);
      return 2;
    }
  }
  if (out) {
    writeFileSync(out, conv.toml);
    console.error(`wrote ${out}${conv.dropped.length ? ` (${conv.dropped.length} not carried, listed above and in the file)` : ""}`);
  } else process.stdout.write(conv.toml);
  return 0;
}

/** `tend check -c supervisord.conf`. */
export function runCheckSupervisord(file: string): number {
  try {
    const { config: cfg, conversion } = loadSupervisordConfig(file);
    console.log(`${cfg.file}: ok (supervisord config, converted) — ${cfg.programs.length} process${cfg.programs.length === 1 ? "" : "es"}`);
    for (const p of cfg.programs) console.log(programLine(p));
    for (const w of conversion.warnings) console.log(`warning: ${w}`);
    for (const d of conversion.dropped) console.log(`note: ${formatDropped(d)}`);
    return 0;
  } catch (e) {
    return reportProblems(e);
  }
}

/** `tend daemon -c supervisord.conf`: runDaemon, reading the file through the conversion. */
export async function runSupervisordDaemon(opts: { configFile: string; socket?: string }): Promise<number> {
  const [{ DaemonLog, logsToStderr }, { supervise }] = await Promise.all([import("../daemon/daemon-log.ts"), import("../daemon/daemon.ts")]);
  const { config: loaded, conversion } = loadSupervisordConfig(opts.configFile);
  const config = opts.socket ? { ...loaded, daemon: { ...loaded.daemon, socket: opts.socket } } : loaded;
  const log = new DaemonLog(config.daemon.loglevel, logsToStderr());
  log.setFile(config.daemon.logfile, { maxBytes: config.daemon.logfileMaxbytes, backups: config.daemon.logfileBackups });
  log.info(`${config.file}: supervisord config, converted (see \`tend import\`)`);
  for (const w of conversion.warnings) log.warn(w);
  for (const d of conversion.dropped) log.warn(formatDropped(d));
  return supervise(config, log, { serve: true, reload: true, runningFile: true, started: (app) => app.autostart() });
}
