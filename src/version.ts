// The version shown by `tend version` and the API. Build scripts may replace it via --define.
declare const TEND_VERSION: string | undefined;
declare const TEND_COMMIT: string | undefined;

export const VERSION: string = typeof TEND_VERSION === "string" ? TEND_VERSION : "0.1.0-dev";
export const COMMIT: string = typeof TEND_COMMIT === "string" ? TEND_COMMIT : "unknown";
