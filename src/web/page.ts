// The dashboard page (index.html: inline CSS and JS, no external resources), embedded in the
// binary as a string. Its Content-Security-Policy allows exactly its own inline script and
// style (by hash) and requests to its own origin: injected markup could run nothing.

import { createHash } from "node:crypto";
import pageText from "./index.html" with { type: "text" };

// Bun's types call every .html import an HTMLBundle; with type "text" it is the file's text.
export const PAGE = pageText as unknown as string;

const hashOf = (tag: "script" | "style"): string => {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(PAGE);
  if (!m) throw new Error(`index.html has no <${tag}>`);
  return `'sha256-${createHash("sha256").update(m[1]!, "utf8").digest("base64")}'`;
};

export const CSP = [
  "default-src 'none'",
  `script-src ${hashOf("script")}`,
  `style-src ${hashOf("style")}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function pageResponse(): Response {
  return new Response(PAGE, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": CSP,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    },
  });
}
