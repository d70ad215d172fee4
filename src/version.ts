// The version shown by `tend version` and the API. Build scripts may replace it via --define.
declare const TEND_VERSION: string | undefined;
declare const TEND_COMMIT: string | undefined;
/** The release target, e.g. "linux-x64-musl" (build/release.ts defines it for every artifact). */
declare const TEND_TARGET: string | undefined;

export const VERSION: string = typeof TEND_VERSION === "string" ? TEND_VERSION : "0.1.0-dev";
export const COMMIT: string = typeof TEND_COMMIT === "string" ? TEND_COMMIT : "unknown";
/** What this binary was built for; a build without the define (npm run build, sources) names the host. */
export const TARGET: string = typeof TEND_TARGET === "string" ? TEND_TARGET : `${process.platform}-${process.arch}`;
