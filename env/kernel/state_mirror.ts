/**
 * Checkpoints of object graphs without a codec per class: {@linkcode mirrorOf} copies a value's
 * state — own fields, recursively — into plain JSON-able data, and {@linkcode restoreMirror}
 * writes that data back into an object built the same way (a fresh instance from the same
 * configuration), so class instances keep their prototypes and their shared references, and
 * nothing has to know how to construct them.
 *
 * What is copied: numbers (non-finite ones too), strings, booleans, null and undefined; arrays;
 * typed arrays (whole, by `slice`: a checkpoint in memory costs a copy, not a conversion;
 * {@linkcode jsonMirror} converts them for a file); `Map`s and `Set`s; and the own enumerable
 * fields of any other object. Functions are left where they are (behaviour, not state). A frozen object (configuration, a message) is
 * left as the target has it when the target has a frozen one there, and rebuilt (frozen)
 * otherwise. Fields in `#private` slots cannot be seen, so a class checkpointed this way keeps its
 * state in ordinary (TypeScript `private`) fields.
 *
 * Restoring writes into the target where it has a value of the same shape (an object field into
 * the object already there, a typed array into one of the same type and length) and creates plain
 * values elsewhere — an array element or map entry the fresh object does not have comes back as
 * plain data, so graphs whose class instances are created lazily need their owner to create them
 * first (see the actors' codecs).
 *
 * @example
 * ```ts
 * import { jsonMirror, mirrorOf, restoreMirror } from "./state_mirror.ts";
 * class Counter {
 *   private hits = 0;
 *   private readonly seen = new Float64Array(4);
 *   hit(x: number): void {
 *     this.seen[this.hits++ % 4] = x;
 *   }
 *   get count(): number {
 *     return this.hits;
 *   }
 * }
 * const a = new Counter();
 * a.hit(1.5);
 * a.hit(Number.NaN);
 * const data = JSON.parse(JSON.stringify(jsonMirror(mirrorOf(a))));
 * const b = restoreMirror(new Counter(), data);
 * if (b.count !== 2 || !(b instanceof Counter)) throw new Error("unreachable");
 * ```
 * @module
 */

/**
 * Data made by {@linkcode mirrorOf}: plain values, and copies of typed arrays (copied whole,
 * fast); {@linkcode jsonMirror} turns it into JSON-able data.
 */
export type Mirror =
  | null
  | boolean
  | number
  | string
  | ArrayBufferView
  | readonly Mirror[]
  | { readonly [key: string]: Mirror };

type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

const TYPED: Record<string, new (values: ArrayLike<number>) => TypedArray> = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
};

function num(x: number): Mirror {
  if (Object.is(x, -0)) return { $num: "-0" };
  return Number.isFinite(x) ? x : { $num: String(x) };
}

function unNum(m: Mirror): number {
  return typeof m === "number" ? m : Number((m as { $num: string }).$num);
}

/**
 * The state of `value` as plain data; see the module documentation. With `reuse` (an earlier
 * mirror of the same value, no longer needed), its typed-array copies are overwritten in place
 * where the type and length still match, so checkpoints taken again and again do not leave a
 * trail of large buffers for the collector.
 */
export function mirrorOf(value: unknown, reuse?: Mirror): Mirror {
  switch (typeof value) {
    case "number":
      return num(value);
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return { $undefined: true };
    case "function":
      return { $function: true };
    case "bigint":
    case "symbol":
      throw new TypeError(`mirrorOf: cannot copy a ${typeof value}`);
  }
  if (value === null) return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const ctor = value.constructor.name;
    if (!(ctor in TYPED)) throw new TypeError(`mirrorOf: cannot copy a ${ctor}`);
    const old = reuse as { $typed?: string; values?: TypedArray } | undefined;
    const src = value as TypedArray;
    if (
      old?.$typed === ctor && ArrayBuffer.isView(old.values) &&
      (old.values as TypedArray).length === src.length
    ) {
      (old.values as TypedArray).set(src);
      return old as Mirror;
    }
    return { $typed: ctor, values: src.slice() };
  }
  const r = reuse as Record<string, unknown> | readonly Mirror[] | undefined;
  if (Array.isArray(value)) {
    return value.map((v, i) => mirrorOf(v, Array.isArray(r) ? r[i] : undefined));
  }
  if (value instanceof Map) {
    const old = (r as { $map?: Mirror[][] } | undefined)?.$map;
    return { $map: [...value].map(([k, v], i) => [mirrorOf(k), mirrorOf(v, old?.[i]?.[1])]) };
  }
  if (value instanceof Set) return { $set: [...value].map((v) => mirrorOf(v)) };
  const oldFields = (r as { $object?: Record<string, Mirror> } | undefined)?.$object;
  const fields: Record<string, Mirror> = {};
  for (const key of Object.keys(value as object)) {
    fields[key] = mirrorOf((value as Record<string, unknown>)[key], oldFields?.[key]);
  }
  return Object.isFrozen(value) ? { $object: fields, $frozen: true } : { $object: fields };
}

/**
 * Writes `mirror` (from {@linkcode mirrorOf}) into `target` and returns the restored value:
 * `target` itself where it could be written into, else a new plain value.
 */
export function restoreMirror<T>(target: T, mirror: Mirror): T {
  return restore(target, mirror) as T;
}

function restore(target: unknown, m: Mirror): unknown {
  if (m === null || typeof m !== "object") return m;
  if (Array.isArray(m)) {
    const out = Array.isArray(target) ? target : [];
    for (let i = 0; i < m.length; i++) out[i] = restore(out[i], m[i]);
    out.length = m.length;
    return out;
  }
  const o = m as Record<string, Mirror>;
  if ("$num" in o) return unNum(m);
  if ("$undefined" in o) return undefined;
  if ("$function" in o) return target;
  if ("$typed" in o) {
    const values = ArrayBuffer.isView(o.values)
      ? o.values as TypedArray
      : (o.values as Mirror[]).map(unNum);
    const Ctor = TYPED[o.$typed as string];
    if (Ctor === undefined) throw new TypeError(`restoreMirror: unknown typed array ${o.$typed}`);
    if (target instanceof Ctor && (target as TypedArray).length === values.length) {
      (target as TypedArray).set(values);
      return target;
    }
    return new Ctor(values);
  }
  if ("$map" in o) {
    const old = target instanceof Map ? target : new Map();
    const entries = (o.$map as Mirror[][]).map(([k, v]) => {
      const key = restore(undefined, k);
      return [key, restore(old.get(key), v)] as const;
    });
    old.clear();
    for (const [k, v] of entries) old.set(k, v);
    return old;
  }
  if ("$set" in o) {
    const out = target instanceof Set ? target : new Set();
    out.clear();
    for (const v of o.$set as Mirror[]) out.add(restore(undefined, v));
    return out;
  }
  if ("$object" in o) {
    const fields = o.$object as Record<string, Mirror>;
    if ("$frozen" in o) {
      // Configuration or a message: equal in the fresh object when it has one; else rebuilt.
      if (typeof target === "object" && target !== null && Object.isFrozen(target)) return target;
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(fields)) setField(copy, key, restore(undefined, fields[key]));
      return Object.freeze(copy);
    }
    const out = (typeof target === "object" && target !== null ? target : {}) as Record<
      string,
      unknown
    >;
    for (const key of Object.keys(fields)) {
      setField(out, key, restore(Object.hasOwn(out, key) ? out[key] : undefined, fields[key]));
    }
    return out;
  }
  throw new TypeError(`restoreMirror: not a mirror: ${JSON.stringify(m).slice(0, 80)}`);
}

/** `o[key] = value`, as an own field even for the key `__proto__`. */
function setField(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  } else o[key] = value;
}

/**
 * `mirror` — or any plain data holding mirrors, such as an actor's checkpoint — as JSON-able data
 * (typed arrays as numbers); {@linkcode restoreMirror} takes either form.
 */
export function jsonMirror<T>(mirror: T): T {
  return toJson(mirror as Mirror) as T;
}

function toJson(mirror: Mirror): Mirror {
  if (mirror === null || typeof mirror !== "object") return mirror;
  if (ArrayBuffer.isView(mirror)) return Array.from(mirror as TypedArray, num);
  if (Array.isArray(mirror)) return mirror.map(toJson);
  const out: Record<string, Mirror> = {};
  for (const [k, v] of Object.entries(mirror)) out[k] = toJson(v as Mirror);
  return out;
}
