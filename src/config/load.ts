// The config pipeline: read → parse TOML → expand ${VAR} → key checks (aliases, unknown keys)
// → schema per table → groups → environment files → instances → cross-field validators →
// frozen Config. Every stage adds to one problem list, and the load fails only at the end, so
// `tend check` shows every mistake in one pass.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config, ConfigIssue, ProgramConfig } from "./types.ts";
import type { Env } from "./env.ts";
import type { KeyPath, Problem } from "./problems.ts";
import type { GroupSpec, ProgramSpec } from "./schema.ts";
import type { Locator } from "./locate.ts";
import { expandTree } from "./env.ts";
import { parseEnvFile } from "./env-file.ts";
import { buildDaemon, buildHttp } from "./daemon.ts";
import { resolveGroups } from "./groups.ts";
import { buildInstances } from "./instances.ts";
import { invalidConfig, sortByLine, toIssues } from "./issues.ts";
import { splitSections } from "./keys.ts";
import { buildLocator } from "./locate.ts";
import { deepFreeze } from "./objects.ts";
import { isTable, under } from "./problems.ts";
import { DaemonSchema, GroupSchema, HttpSchema, parseTable, ProgramSchema } from "./schema.ts";
import { parseToml } from "./toml.ts";
import { applyOverrides, envOverrides } from "./overrides.ts";
import { runValidators } from "./validators.ts";
import { pathProblems } from "./path-checks.ts";

export { formatIssues } from "./issues.ts";

export interface LoadOptions {
  /**
   * Also look at the filesystem (path-checks.ts): log paths that are directories or under a
   * file, a read-only log_dir. `tend check` does; the daemon reports those at run time instead.
   */
  readonly paths?: boolean;
}

/** Read, parse and validate a config file; throws TendError("INVALID_CONFIG") listing every issue. */
export function loadConfig(file: string, env: Env = process.env, options: LoadOptions = {}): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw invalidConfig(path, [{ file: path, message: `cannot read the config file: ${reasonOf(e)}` }]);
  }
  return parseConfigText(text, path, env, options);
}

/** The same from text already in hand (tests, reload). `file` names it and anchors relative paths. */
export function parseConfigText(text: string, file: string, env: Env = process.env, options: LoadOptions = {}): Config {
  const path = resolve(file);
  const parsed = parseToml(text);
  if (!parsed.ok) {
    const position = parsed.line === undefined ? {} : { line: parsed.line, column: parsed.column };
    throw invalidConfig(path, [{ file: path, ...position, message: parsed.message }]);
  }
  const result = compile(text, path, parsed.value, env, options);
  if (result.issues.length > 0) throw invalidConfig(path, result.issues);
  return deepFreeze(result.config);
}

function reasonOf(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return e instanceof Error ? e.message : String(e);
}

interface Compiled {
  readonly config: Config;
  readonly issues: readonly ConfigIssue[];
}

function compile(text: string, file: string, document: Record<string, unknown>, env: Env, options: LoadOptions): Compiled {
  const configDir = dirname(file);
  // Positions are only needed to report problems (or to read a literal): scan the text lazily.
  let locatorCache: Locator | null = null;
  const locator = (): Locator => (locatorCache ??= buildLocator(text));

  // Stage 1: ${VAR} expansion. A value that failed is remembered so later stages, which see its
  // raw text, do not report it a second time.
  const expandProblems: Problem[] = [];
  const root = expandTree(document, env, [], expandProblems) as Record<string, unknown>;

  // Stage 2: tables and keys.
  const sections = splitSections(root);
  const problems: Problem[] = [];

  // Stage 2b: settings from the environment (TEND_<SECTION>__…, PROCESS_*, LOG_LEVEL).
  const fromEnv = envOverrides(env, sections.programNames);
  const daemonTable = sections.daemon ?? {};
  const sources = applyOverrides(
    { daemon: daemonTable, http: sections.http, program: (n) => sections.programs.get(n)?.table },
    fromEnv.overrides,
  );

  // Stage 3: values, table by table.
  const daemonSpec = parseSection(DaemonSchema, daemonTable, ["daemon"], problems);
  const httpSpec = sections.http === null ? null : parseSection(HttpSchema, sections.http, ["http"], problems);
  const specs = new Map<string, ProgramSpec>();
  for (const [name, { table }] of sections.programs) {
    const r = parseTable(ProgramSchema, table);
    if ("value" in r) specs.set(name, r.value);
    else {
      problems.push(...under(["program", name], r.problems));
      const salvaged = salvageProgram(table, r.problems);
      if (salvaged !== null) specs.set(name, salvaged);
    }
  }
  const groupSpecs = new Map<string, GroupSpec>();
  for (const [name, table] of sections.groups) {
    const spec = parseSection(GroupSchema, table, ["group", name], problems);
    if (spec !== null) groupSpecs.set(name, spec);
  }

  // Stage 4: daemon and http, with defaults that depend on who runs tend.
  const daemon = buildDaemon(daemonSpec, configDir, env);
  const http = buildHttp(httpSpec);

  // Stage 5: groups, then each program's environment file and instances.
  const membership = resolveGroups(groupSpecs, sections.programNames);
  problems.push(...membership.problems);
  const fileIssues: ConfigIssue[] = [];
  const notes = [...sections.notes];
  const instances: ProgramConfig[] = [];
  for (const [name, spec] of specs) {
    const fileEnv = readEnvironmentFile(name, spec, configDir, problems, fileIssues);
    if (fileEnv === null) continue;
    const built = buildInstances(name, spec, {
      configDir,
      logDir: daemon.logDir,
      group: membership.groupOf.get(name) ?? name,
      fileEnv,
      given: new Set(Object.keys(sections.programs.get(name)?.table ?? {})),
    });
    problems.push(...built.problems);
    notes.push(...built.notes);
    instances.push(...built.instances);
  }

  // Stage 6: rules across fields, programs and groups.
  problems.push(
    ...runValidators({
      programNames: sections.programNames,
      specs,
      groups: groupSpecs,
      groupOf: membership.groupOf,
      instances,
      http: httpSpec,
      daemonLogfile: daemon.logfile,
      minfds: daemon.minfds,
      literal: (p) => locator().literal(p),
      raw: (p) => valueAt(root, p),
    }),
  );
  // Stage 7 (`tend check`): the filesystem, once the values are right (a path with a NUL in it
  // cannot be looked up).
  if (options.paths && problems.length === 0 && expandProblems.length === 0) problems.push(...pathProblems(daemon, instances));

  // Config-file issues in file order; issues inside environment files (other files) after them.
  const issues = [
    ...sortByLine([
      ...toIssues(file, [...expandProblems, ...sections.problems], sections, locator, []),
      ...toIssues(file, problems, sections, locator, expandProblems),
    ]),
    ...fileIssues,
    ...fromEnv.issues,
  ];

  // A bad value that came from the environment is the variable's problem, not the file's.
  for (const [i, issue] of issues.entries()) {
    const source = issue.path === undefined ? undefined : sources[issue.path];
    if (source) issues[i] = { file: `environment variable ${source}`, path: issue.path, message: issue.message };
  }

  const programs = instances.sort(byStartOrder);
  const config: Config = {
    file,
    daemon,
    http,
    programs,
    groups: groupsOf(programs, groupSpecs),
    notes,
    sources,
  };
  return { config, issues };
}

function parseSection<S extends typeof DaemonSchema | typeof HttpSchema | typeof ProgramSchema | typeof GroupSchema>(
  schema: S,
  table: Record<string, unknown>,
  path: KeyPath,
  problems: Problem[],
) {
  const r = parseTable(schema, table);
  if ("problems" in r) {
    problems.push(...under(path, r.problems));
    return null;
  }
  return r.value;
}

/** Keys that decide instance names: without them a program's instances cannot be checked. */
const NAMING_KEYS = ["process_name", "numprocs", "numprocs_start"];

/**
 * A program with bad values still takes part in the cross-program checks (duplicate names,
 * log collisions), so one pass reports everything: drop the bad keys (their defaults stand in)
 * and parse again. The result only feeds validation; the config is rejected anyway. A program
 * whose naming keys are bad sits the checks out, since its names would be guesses.
 */
function salvageProgram(table: Record<string, unknown>, problems: readonly Problem[]): ProgramSpec | null {
  const bad = new Set(problems.map((p) => p.path[0]));
  if (NAMING_KEYS.some((k) => bad.has(k))) return null;
  const rest: Record<string, unknown> = Object.fromEntries(Object.entries(table).filter(([k]) => !bad.has(k)));
  if (bad.has("command")) rest["command"] = ["(invalid)"];
  const r = parseTable(ProgramSchema, rest);
  return "value" in r ? r.value : null;
}

/**
 * The program's environment_file variables, {} when it has none, or null when the file is
 * unusable (the problem is recorded; the program is then not built, to avoid follow-on noise).
 */
function readEnvironmentFile(
  program: string,
  spec: ProgramSpec,
  configDir: string,
  problems: Problem[],
  fileIssues: ConfigIssue[],
): Record<string, string> | null {
  if (spec.environment_file === undefined) return {};
  const path = resolve(configDir, spec.environment_file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    problems.push({ path: ["program", program, "environment_file"], message: `cannot read ${path}: ${reasonOf(e)}` });
    return null;
  }
  const parsed = parseEnvFile(text);
  for (const p of parsed.problems) {
    fileIssues.push({ file: path, line: p.line, column: p.column, message: `${p.message} (environment_file of program.${program})` });
  }
  return parsed.problems.length > 0 ? null : parsed.vars;
}

function valueAt(root: Record<string, unknown>, path: KeyPath): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (typeof key === "number") node = Array.isArray(node) ? node[key] : undefined;
    else node = isTable(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return node;
}

function byStartOrder(a: ProgramConfig, b: ProgramConfig): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Every group, explicit and implicit, → its instance names by priority, then (supervisord's
 * order) as the [group] lists its programs, then by name.
 */
function groupsOf(programs: readonly ProgramConfig[], explicit: ReadonlyMap<string, GroupSpec>): Record<string, string[]> {
  const groups = new Map<string, ProgramConfig[]>([...explicit.keys()].map((g) => [g, []]));
  for (const p of programs) {
    const list = groups.get(p.group);
    if (list === undefined) groups.set(p.group, [p]);
    else list.push(p);
  }
  const listed = (p: ProgramConfig) => explicit.get(p.group)?.programs.indexOf(p.program) ?? 0;
  // programs are in start order (priority, name) and the sort is stable.
  return Object.fromEntries([...groups].map(([g, ps]) => [g, ps.sort((a, b) => a.priority - b.priority || listed(a) - listed(b)).map((p) => p.name)]));
}
