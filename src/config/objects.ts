// Small object helpers the loader needs because keys come from user files: a key such as
// "__proto__" must become an own property, never a prototype change; and the finished Config
// is frozen all the way down so no consumer can edit the shared copy.

/** `obj[key] = value` as an own, enumerable data property, whatever the key is. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Object.freeze, recursively, over plain objects and arrays. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
