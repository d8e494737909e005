// The protocol's one machine-readable description, protocol/schema.json (record
// shapes and limits), with the types to read it by. The validator is built from it
// (validate.ts), the limits come from it, and the Python side reads the same file.
// The JSON is imported (the bundled build inlines it), never read from disk.
import schema from '../../protocol/schema.json' with { type: 'json' };

/**
 * A field's type: a built-in (`str`, `u32`, `bool`, `bin`, `map`, `Uid`), an array
 * of one (`[str]`, `[Uid]`), or the name of an entry of {@link ProtocolSchema.types}.
 */
export type TypeName = string;

/** One field of a record or struct: its type name, or the type with its options. */
export type FieldSpec =
  | TypeName
  | {
      type: TypeName;
      /** absent and nil are allowed, and mean none */
      optional?: boolean;
      /** what a reader takes for an absent or nil optional field (nil if not given) */
      default?: unknown;
      /** bounds of a `u32` field, within 0..2^32-1 */
      min?: number;
      max?: number;
      /** a `bin` field holding a separately encoded msgpack value: `array` (of arguments) or `any` */
      payload?: 'array' | 'any';
    };

/** The fields of a record or struct, by name, in protocol order. */
export type Fields = Record<string, FieldSpec>;

/** A named type: a struct, a union tagged by one field, or an enumeration of strings. */
export type TypeSpec = { fields: Fields } | { union: string; variants: Record<string, Fields> } | { enum: string[] };

/** The limits both sides enforce. */
export interface ProtocolLimits {
  /** bytes of the big-endian length in front of every frame */
  prefixBytes: number;
  /** the default cap on one frame's body (a receiver may be configured with another) */
  maxFrameBytes: number;
  /** how deep `relayed` / `cause` may nest in a received box before the frame is refused */
  maxBoxDepth: number;
  /** how many causes below an error a sender boxes (the rest of the chain is dropped) */
  maxCauseDepth: number;
}

/** The shape of protocol/schema.json. */
export interface ProtocolSchema {
  protocol: 'furrow';
  version: number;
  limits: ProtocolLimits;
  types: Record<string, TypeSpec>;
  records: Record<string, Fields>;
}

/** protocol/schema.json, as loaded. */
export const PROTOCOL_SCHEMA: ProtocolSchema = schema as ProtocolSchema;

/** The protocol's limits (protocol/schema.json `limits`). */
export const PROTOCOL_LIMITS: Readonly<ProtocolLimits> = PROTOCOL_SCHEMA.limits;

/** A field's spec in its long form. */
export function fieldSpec(spec: FieldSpec): Exclude<FieldSpec, TypeName> {
  return typeof spec === 'string' ? { type: spec } : spec;
}
