// Declarative, version-aware message schemas for the classic (non-flexible) Kafka encodings.
// One schema per request/response drives both decode and encode, so every advertised version
// round-trips by construction and the codecs stay small. Per-request cost only (never per record).
import { ProtocolError, Reader, Writer } from './primitives';

export type Scalar =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'string'
  | 'nstring'
  | 'bytes'
  | 'nbytes'
  /** Record batches: decoded as one Buffer (subarray), encoded from a Buffer or a Buffer[] (by reference). */
  | 'records';

export interface ArrayType {
  readonly array: Scalar | readonly Field[];
  /** Nullable from this version on (length -1 ⇒ null). */
  readonly nullableFrom?: number;
}
export type FieldType = Scalar | ArrayType;

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly min: number;
  readonly max: number;
  /** Value used when the field is absent in a version (decode) — encode simply skips it. */
  readonly dflt?: unknown;
}

export type Msg = Record<string, unknown>;

/** Field present in versions [min, max]. */
export function f(name: string, type: FieldType, min = 0, max = 0x7fff, dflt?: unknown): Field {
  return { name, type, min, max, dflt };
}
export function arr(items: Scalar | readonly Field[], nullableFrom?: number): ArrayType {
  return { array: items, nullableFrom };
}

function scalarDefault(t: FieldType): unknown {
  if (typeof t !== 'string') return [];
  switch (t) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return 0;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    default:
      return null;
  }
}

function readScalar(r: Reader, t: Scalar): unknown {
  switch (t) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'bool':
      return r.bool();
    case 'string':
      return r.string();
    case 'nstring':
      return r.nullableString();
    case 'bytes':
      return r.bytes();
    case 'nbytes':
    case 'records':
      return r.nullableBytes();
  }
}

function readType(r: Reader, t: FieldType, v: number): unknown {
  if (typeof t === 'string') return readScalar(r, t);
  const n = r.arrayLength();
  if (n === -1) {
    if (t.nullableFrom !== undefined && v >= t.nullableFrom) return null;
    // Kafka's own parser treats a null non-nullable array as empty in old versions; be lenient likewise.
    return [];
  }
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = typeof t.array === 'string' ? readScalar(r, t.array) : decodeFields(r, t.array, v);
  }
  return out;
}

/** The value decode yields for a field that does not exist in the decoded version. */
export function fieldDefault(fld: Field): unknown {
  return fld.dflt !== undefined ? fld.dflt : scalarDefault(fld.type);
}

export function decodeFields(r: Reader, fields: readonly Field[], v: number): Msg {
  const m: Msg = {};
  for (const fld of fields) {
    if (v < fld.min || v > fld.max) {
      m[fld.name] = fieldDefault(fld);
      continue;
    }
    m[fld.name] = readType(r, fld.type, v);
  }
  return m;
}

function num(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ProtocolError(`field ${name}: expected number`);
  return value;
}

function writeScalar(w: Writer, t: Scalar, value: unknown, name: string): void {
  switch (t) {
    case 'int8':
      w.int8(num(value, name));
      return;
    case 'int16':
      w.int16(num(value, name));
      return;
    case 'int32':
      w.int32(num(value, name));
      return;
    case 'int64':
      w.int64(num(value, name));
      return;
    case 'bool':
      w.bool(value === true);
      return;
    case 'string':
      if (typeof value !== 'string') throw new ProtocolError(`field ${name}: expected string`);
      w.string(value);
      return;
    case 'nstring':
      w.nullableString(typeof value === 'string' ? value : null);
      return;
    case 'bytes':
      w.bytes(Buffer.isBuffer(value) ? value : Buffer.alloc(0));
      return;
    case 'nbytes':
      w.nullableBytes(Buffer.isBuffer(value) ? value : null);
      return;
    case 'records':
      w.records(Buffer.isBuffer(value) || Array.isArray(value) ? (value as Buffer | Buffer[]) : null);
      return;
  }
}

function writeType(w: Writer, t: FieldType, value: unknown, v: number, name: string): void {
  if (typeof t === 'string') return writeScalar(w, t, value, name);
  if (value === null || value === undefined) {
    if (t.nullableFrom !== undefined && v >= t.nullableFrom) w.int32(-1);
    else w.int32(0);
    return;
  }
  if (!Array.isArray(value)) throw new ProtocolError(`field ${name}: expected array`);
  w.int32(value.length);
  for (const item of value) {
    if (typeof t.array === 'string') writeScalar(w, t.array, item, name);
    else encodeFields(w, t.array, item as Msg, v);
  }
}

export function encodeFields(w: Writer, fields: readonly Field[], m: Msg, v: number): void {
  for (const fld of fields) {
    if (v < fld.min || v > fld.max) continue;
    writeType(w, fld.type, m[fld.name], v, fld.name);
  }
}
