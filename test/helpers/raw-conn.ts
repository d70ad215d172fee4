// A raw connection to the daemon's socket or HTTP port: bytes go out exactly as written (no
// client-side URL normalisation or framing), and everything that comes back is collected as
// latin1 text, so a test sees the server's answer byte for byte, or that it just closed.

import type { Socket } from "bun";

export interface RawConn {
  socket: Socket<undefined>;
  received(): string;
  closed(): boolean;
}

export async function rawConnect(to: { unix: string } | { port: number }): Promise<RawConn> {
  let got = "";
  let closed = false;
  const handlers = {
    data(_s: Socket<undefined>, chunk: Uint8Array) {
      got += Buffer.from(chunk).toString("latin1");
    },
    close: () => void (closed = true),
    error: () => void (closed = true),
  };
  const socket = "unix" in to
    ? await Bun.connect({ unix: to.unix, socket: handlers })
    : await Bun.connect({ hostname: "127.0.0.1", port: to.port, socket: handlers });
  return { socket, received: () => got, closed: () => closed };
}

/** The status code of a raw HTTP/1.1 answer (0 when there is none). */
export const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
