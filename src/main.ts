// Entry point: choose daemon or client from argv, run one function, set the exit code.
// The client's cold path stays lean: daemon modules are imported only by `tend daemon`.

import { exitCodeOf } from "./api/error-map.ts";
import { parseArgs, UnknownCommandError, UsageError } from "./cli/parse-args.ts";
import { isTendError } from "./core/errors.ts";

async function main(argv: string[]): Promise<number> {
  // The daemon's user switch (src/sys/exec-as.ts): first, so it loads nothing else.
  if (argv[0] === "__exec-as") return (await import("./sys/exec-as.ts")).execAs(argv.slice(1));
  // `run` takes the command after `--` verbatim: its options are parsed apart.
  if (argv[0] === "run") {
    const dash = argv.indexOf("--");
    const own = dash === -1 ? argv.slice(1) : argv.slice(1, dash);
    if (own.includes("--help") || own.includes("-h")) return printHelp("run");
    (await import("./sys/runtime-env.ts")).execWithRuntimeEnv();
    const { parseRunArgs, runCommand } = await import("./daemon/run.ts");
    let options;
    try {
      options = parseRunArgs(argv.slice(1), process.env);
    } catch (e) {
      // A bad option is a usage error: the message, then run's synopsis.
      if (isTendError(e) && e.code === "BAD_REQUEST") throw new UsageError(e.message.replace(/^tend /, ""), "run");
      throw e;
    }
    return runCommand(options);
  }
  const { command, config, socket } = parseArgs(argv);
  switch (command.kind) {
    case "help":
      return printHelp(command.topic);
    case "version": {
      const { VERSION, COMMIT, TARGET } = await import("./version.ts");
      console.log(`tend ${VERSION} (${COMMIT}) ${TARGET}`);
      return 0;
    }
    case "check": {
      const { findConfigFile } = await import("./config/find.ts");
      const file = findConfigFile(config, process.env);
      const { isSupervisordConfig } = await import("./import/load.ts");
      if (isSupervisordConfig(file)) return (await import("./import/cli.ts")).runCheckSupervisord(file);
      const { runCheck } = await import("./cli/check.ts");
      return runCheck(file);
    }
    case "import":
      return (await import("./import/cli.ts")).runImport(command.file, command.out);
    case "daemon": {
      const { findConfigFile } = await import("./config/find.ts");
      const file = findConfigFile(config, process.env);
      const sock = socket ?? process.env.TEND_SOCKET;
      if (command.detach) {
        const { detach } = await import("./cli/detach.ts");
        return detach(file, sock);
      }
      (await import("./sys/runtime-env.ts")).execWithRuntimeEnv();
      // A supervisord.conf runs through the same conversion as `tend import`.
      const { isSupervisordConfig } = await import("./import/load.ts");
      if (isSupervisordConfig(file)) return (await import("./import/cli.ts")).runSupervisordDaemon({ configFile: file, socket: sock });
      const { runDaemon } = await import("./daemon/daemon.ts");
      return runDaemon({ configFile: file, socket: sock });
    }
    default: {
      const { resolveSocket } = await import("./cli/socket-path.ts");
      const { runClientCommand } = await import("./cli/commands.ts");
      // -c supervisord.conf: the socket is its [unix_http_server] file.
      const named = config ?? process.env.TEND_CONFIG;
      if (!socket && !process.env.TEND_SOCKET && named && /\.(conf|ini)$/i.test(named)) {
        const { supervisordSocket } = await import("./import/socket.ts");
        return runClientCommand(command, supervisordSocket(named));
      }
      return runClientCommand(command, await resolveSocket(socket, config));
    }
  }
}

/** `tend help [TOPIC]`: the overview, or one command's page; an unknown topic is a usage error. */
async function printHelp(topic: string | null): Promise<number> {
  const help = await import("./cli/help.ts");
  if (topic === null) console.log(help.overview());
  else if (Object.hasOwn(help.PAGES, topic)) console.log(help.commandHelp(topic));
  else throw new UnknownCommandError(topic);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (e: unknown) => {
    if (e instanceof UsageError) {
      // The message and the one synopsis line that applies, not the whole overview.
      const help = await import("./cli/help.ts");
      const message = e instanceof UnknownCommandError ? `${e.message}${help.didYouMean(e.word)}` : e.message;
      console.error(`tend: ${message}\n${help.usageLine(e.command)}`);
      process.exit(2);
    }
    if (isTendError(e)) {
      console.error(`tend: ${e.message}`);
      if (e.code === "INVALID_CONFIG" && Array.isArray(e.details)) {
        void import("./config/load.ts").then(({ formatIssues }) => {
          console.error(formatIssues(e.details as never));
          process.exit(exitCodeOf(e.code));
        });
        return;
      }
      process.exit(exitCodeOf(e.code));
    }
    console.error(`tend: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
