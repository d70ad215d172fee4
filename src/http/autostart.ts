// POST /api/services/{name}/settings/autostart {"enabled": bool}: change `autostart` of the
// program in the config file, touching only that line (toml-edit.ts), then reload. The file
// is checked to load before it is touched, and replaced atomically with its mode and owner.

import { chmodSync, chownSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { ReloadPlanDTO, ServiceDTO } from "../api/dto.ts";
import type { Config, ProgramConfig } from "../config/types.ts";
import { TendError } from "../core/errors.ts";
import { setProgramBool, TomlEditError } from "./toml-edit.ts";

export interface AutostartHost {
  readonly config: Config;
  service(name: string): ServiceDTO;
  reload(dryRun: boolean): Promise<ReloadPlanDTO>;
}

export interface AutostartResultDTO {
  /** The [program.NAME] that was changed (every instance of it follows). */
  program: string;
  autostart: boolean;
  file: string;
  /** false when the file already said so (nothing was written). */
  changed: boolean;
  reload: ReloadPlanDTO;
}

/** The request body: exactly {"enabled": true|false}. */
export function parseAutostartBody(text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TendError("BAD_REQUEST", 'the body must be JSON: {"enabled": true} or {"enabled": false}');
  }
  if (typeof body !== "object" || body === null || Array.isArray(body) || typeof (body as { enabled?: unknown }).enabled !== "boolean") {
    throw new TendError("BAD_REQUEST", 'the body must be {"enabled": true} or {"enabled": false}');
  }
  const extra = Object.keys(body).filter((k) => k !== "enabled");
  if (extra.length) throw new TendError("BAD_REQUEST", `unknown field(s) ${extra.join(", ")}: the body is {"enabled": true|false}`);
  return (body as { enabled: boolean }).enabled;
}

/** Replace `path` with `text`, keeping its mode and (as root) its owner; never half-written. */
function replaceFile(path: string, text: string): void {
  const st = statSync(path);
  const tmp = `${path}.tend-${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, text, { flag: "wx", mode: st.mode & 0o7777 });
    chmodSync(tmp, st.mode & 0o7777);
    if (process.getuid?.() === 0) chownSync(tmp, st.uid, st.gid);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new TendError("FAILED", `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

let queue: Promise<unknown> = Promise.resolve();

export function setAutostart(host: AutostartHost, name: string, enabled: boolean): Promise<AutostartResultDTO> {
  const run = queue.then(() => setAutostartNow(host, name, enabled));
  queue = run.catch(() => {});
  return run;
}

async function setAutostartNow(host: AutostartHost, name: string, enabled: boolean): Promise<AutostartResultDTO> {
  const { program } = host.service(name); // BAD_NAME for unknown names and for groups
  const file = host.config.file;
  if (file.startsWith("(")) throw new TendError("FAILED", "tend run has no config file to change");
  const source = host.config.sources[`program.${program}.autostart`];
  if (source) {
    throw new TendError("FAILED", `program.${program}.autostart is set by the environment variable ${source}, which overrides the file: change it there`);
  }
  if (/\.(conf|ini)$/i.test(file)) {
    throw new TendError("FAILED", `${file} is a supervisord config: autostart can be changed here only in a tend.toml (tend import converts it)`);
  }
  // The file as it is now must load (a dry-run reload reads it as the daemon would): a reload
  // would otherwise fail after the write.
  await host.reload(true);
  let real: string;
  let text: string;
  try {
    real = realpathSync(file);
    text = readFileSync(real, "utf8");
  } catch (e) {
    throw new TendError("FAILED", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let next: string;
  try {
    next = setProgramBool(text, program, "autostart", enabled);
  } catch (e) {
    if (e instanceof TomlEditError) throw new TendError("FAILED", `${file}: ${e.message}; edit the file and run tend reload`);
    throw e;
  }
  const changed = next !== text;
  if (changed) replaceFile(real, next);
  const reload = await host.reload(false);
  return { program, autostart: enabled, file, changed, reload };
}

/**
 * Of the programs a reload would restart, those whose config differs only in `autostart`.
 * autostart matters only when the daemon (or a reload that adds the program) starts it, so
 * flipping it from the dashboard must not restart, or stop, a running program: the reload
 * updates these records in place instead.
 */
export function autostartOnlyChanges(
  before: { readonly programs: readonly ProgramConfig[] },
  after: { readonly programs: readonly ProgramConfig[] },
  changed: readonly string[],
): string[] {
  const old = new Map(before.programs.map((p) => [p.name, p]));
  const now = new Map(after.programs.map((p) => [p.name, p]));
  return changed.filter((name) => {
    const a = old.get(name);
    const b = now.get(name);
    return a !== undefined && b !== undefined && a.autostart !== b.autostart && JSON.stringify({ ...a, autostart: b.autostart }) === JSON.stringify(b);
  });
}
