// Is a file descriptor a terminal? Read from /proc rather than through isatty(3): the client
// checks this on every command, and loading libc through bun:ffi costs milliseconds there.

import { readlinkSync } from "node:fs";

const TTY = /^\/dev\/(pts\/\d+|tty[\w.]*|console)$/;

export function isTerminal(fd: number): boolean {
  try {
    return TTY.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return false;
  }
}
