// The readiness thread: blocks in epoll_wait on the pipes the event loop armed (pipe-readiness.ts)
// and tells it which became readable. It never reads a pipe itself: the bytes are read on the
// event loop, into one reused buffer (output-pump.ts). Idle, it sleeps in the kernel: no
// wake-ups while no program writes.

import { epollEvents, epollWait } from "../sys/pipe-io.ts";

declare const self: Worker;

self.onmessage = (e: MessageEvent<{ epfd: number }>) => {
  const { epfd } = e.data;
  const events = epollEvents(64);
  for (;;) {
    const ready = epollWait(epfd, events);
    if (ready.length) self.postMessage(ready);
  }
};
