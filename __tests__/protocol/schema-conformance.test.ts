// The hand-written copies of protocol/schema.json held to it: the TypeScript record
// types of src/ipc/messages.ts (read with the TypeScript compiler), the tables and the
// example bytes of docs/protocol.md, and the constants. The validators are held to it
// by the test vectors (vectors.test.ts), whose per-field cases come from the schema.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { MSG_TYPES, PROTOCOL_SCHEMA, PROTOCOL_VERSION } from '../../src/ipc/index.ts';
import { fieldSpec, type Fields, type TypeSpec } from '../../src/ipc/schema.ts';

const schema = PROTOCOL_SCHEMA;
const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

/** The TypeScript type a field of this spec has in messages.ts (validated records: defaults filled in). */
function tsTypeOf(raw: Fields[string]): string {
  const spec = fieldSpec(raw);
  const base = (t: string): string => {
    if (t.startsWith('[')) return `${base(t.slice(1, -1))}[]`;
    return { str: 'string', u32: 'number', bool: 'boolean', bin: 'Uint8Array', map: 'Record<string, unknown>' }[t] ?? t;
  };
  const t = base(spec.type);
  return spec.optional && spec.default === undefined ? `${t} | null` : t;
}

/** The properties of an object type as `name: type` strings (generic arguments dropped). */
function props(checker: ts.TypeChecker, type: ts.Type, at: ts.Node): string[] {
  return type.getProperties().map((p) => {
    const optional = (p.flags & ts.SymbolFlags.Optional) !== 0 ? '?' : '';
    const text = checker.typeToString(checker.getTypeOfSymbolAtLocation(p, at), at, ts.TypeFormatFlags.NoTruncation);
    return `${p.name}${optional}: ${text.replace(/<ArrayBufferLike>/g, '')}`;
  });
}

describe('src/ipc/messages.ts', () => {
  const file = fileURLToPath(new URL('../../src/ipc/messages.ts', import.meta.url));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const exported = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((s) => [s.name, s]));
  const typeNamed = (name: string) => checker.getDeclaredTypeOfSymbol(exported.get(name)!);

  test('every record type of Msg has exactly the schema\'s fields, with their types', () => {
    const msg = typeNamed('Msg') as ts.UnionType;
    const records = Object.fromEntries(
      msg.types.map((t) => {
        const [typeProp, ...fields] = props(checker, t, source);
        return [typeProp!.replace(/^type: "(.*)"$/, '$1'), fields];
      }),
    );
    const expected = Object.fromEntries(Object.entries(schema.records).map(([type, fields]) => [type, Object.entries(fields).map(([k, f]) => `${k}: ${tsTypeOf(f)}`)]));
    expect(records).toEqual(expected);
  });

  test('BoxedError, Address and FuncType are the schema\'s', () => {
    const types = schema.types as Record<string, TypeSpec>;
    const box = types.BoxedError as { fields: Fields };
    expect(props(checker, typeNamed('BoxedError'), source)).toEqual(Object.entries(box.fields).map(([k, f]) => `${k}: ${tsTypeOf(f)}`));
    const address = types.Address as { union: string; variants: Record<string, Fields> };
    const variants = (typeNamed('Address') as ts.UnionType).types.map((t) => props(checker, t, source));
    expect(variants).toEqual(
      Object.entries(address.variants).map(([kind, fields]) => [`${address.union}: "${kind}"`, ...Object.entries(fields).map(([k, f]) => `${k}: ${tsTypeOf(f)}`)]),
    );
    const funcType = (typeNamed('FuncType') as ts.UnionType).types.map((t) => (t as ts.StringLiteralType).value);
    expect(funcType).toEqual((types.FuncType as { enum: string[] }).enum);
  });

  test('PROTOCOL_VERSION and MSG_TYPES are the schema\'s', () => {
    expect(PROTOCOL_VERSION).toBe(schema.version);
    expect(MSG_TYPES).toEqual(Object.keys(schema.records));
  });
});

describe('docs/protocol.md', () => {
  /** The rows of the first markdown table after `heading` (cells trimmed). */
  function table(heading: string): string[][] {
    const from = doc.indexOf(heading);
    expect(from).toBeGreaterThanOrEqual(0);
    const lines = doc.slice(from).split('\n');
    const start = lines.findIndex((l) => l.startsWith('|'));
    const rows: string[][] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
    }
    return rows;
  }

  /** A field as the doc writes it: `name?: type` (`?` for an optional one). */
  const docField = (name: string, raw: Fields[string]) => `${name}${fieldSpec(raw).optional ? '?' : ''}: ${fieldSpec(raw).type}`;

  test('section 3 lists every record with the schema\'s fields, in order', () => {
    const rows = table('## 3. Records');
    const inDoc = Object.fromEntries(rows.map(([type, fields]) => [type!.replace(/`/g, ''), [...fields!.matchAll(/`([^`]+)`/g)].map((m) => m[1])]));
    const inSchema = Object.fromEntries(Object.entries(schema.records).map(([type, fields]) => [type, Object.entries(fields).map(([k, f]) => docField(k, f))]));
    expect(inDoc).toEqual(inSchema);
  });

  test('section 3 lists the BoxedError fields and the limits as the schema has them', () => {
    const box = (schema.types.BoxedError as { fields: Fields }).fields;
    const rows = table('`BoxedError` is a map:');
    expect(rows.map(([name, type]) => `${name!.replace(/`/g, '')}: ${type}`)).toEqual(
      Object.entries(box).map(([k, f]) => `${k}: ${fieldSpec(f).type}${fieldSpec(f).optional ? '?' : ''}`),
    );
    const limits = table('The limits every peer keeps');
    expect(Object.fromEntries(limits.map(([name, value]) => [name!.replace(/`/g, ''), Number(value)]))).toEqual(schema.limits);
  });

  test('the example bytes of section 8 are the first test vectors', () => {
    const section = doc.slice(doc.indexOf('## 8. Example bytes'), doc.indexOf('## 9.'));
    const blocks = [...section.matchAll(/```\n([\s\S]*?)```/g)].map((m) =>
      m[1]!
        .split('\n')
        .map((line) => {
          // the bytes are the leading two-digit hex tokens; the comment follows
          const tokens = line.trim().split(/\s+/);
          const end = tokens.findIndex((t) => !/^[0-9a-f]{2}$/.test(t));
          return tokens.slice(0, end < 0 ? tokens.length : end).join('');
        })
        .join(''),
    );
    const vectors = (JSON.parse(readFileSync(new URL('../../protocol/vectors.json', import.meta.url), 'utf8')) as { vectors: { name: string; hex: string }[] }).vectors;
    expect(blocks).toEqual(vectors.filter((v) => v.name.startsWith('protocol.md 8:')).map((v) => v.hex));
  });
});
