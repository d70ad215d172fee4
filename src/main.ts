// Entry point: choose daemon or client from argv, run one function, set the exit code.
// The client's cold path stays lean: daemon modules are imported only by `tend daemon`.

import { exitCodeOf } from "./api/error-map.ts";
import { parseArgs, UsageError, USAGE } from "./cli/parse-args.ts";
import { isTendError } from "./core/errors.ts";

async function main(argv: string[]): Promise<number> {
  // The daemon's user switch (src/sys/exec-as.ts): first, so it loads nothing else.
  if (argv[0] === "__exec-as") return (await import("./sys/exec-as.ts")).execAs(argv.slice(1));
  // `run` takes the command after `--` verbatim: its options are parsed apart.
  if (argv[0] === "run") {
    const { parseRunArgs, runCommand } = await import("./daemon/run.ts");
    return runCommand(parseRunArgs(argv.slice(1), process.env));
  }
  const { command, config, socket } = parseArgs(argv);
  switch (command.kind) {
    case "help":
      console.log(USAGE);
      return 0;
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
        const { supervisordSocket } = await import("./import/load.ts");
        return runClientCommand(command, supervisordSocket(named));
      }
      return runClientCommand(command, await resolveSocket(socket, config));
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`tend: ${e.message}\n\n${USAGE}`);
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
