// The rule for program, group and instance names. Names become file names
// (<log_dir>/<name>.out.log) and URL segments (/api/services/<name>), and the CLI reads
// "GROUP:*", so they may hold only characters that are safe in all three.

const NAME = /^[A-Za-z0-9_.-]+$/;

export function isValidName(name: string): boolean {
  // "." and ".." pass the character rule but are directory references, not names.
  return NAME.test(name) && name !== "." && name !== "..";
}

/** The explanation used wherever a name is rejected. */
export function describeName(name: string): string {
  return (
    `${JSON.stringify(name)}, which is not a valid name: use letters, digits, "_", "." and "-" ` +
    `(names become file names and URL segments)`
  );
}
