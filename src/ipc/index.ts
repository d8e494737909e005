// The IPC layer's public surface: records, codec, framing, transports, connections.
export * from './messages.ts';
export { validateMsg, validateBoxedError } from './validate.ts';
export {
  MSGPACK_OPTIONS,
  PREFIX_BYTES,
  encodePayload,
  decodePayload,
  encodeFrame,
  encodePayloadFrame,
  decodeFrame,
} from './codec.ts';
export { boxLocalError, relayBox, MAX_CAUSE_DEPTH } from './boxing.ts';
export { PROTOCOL_SCHEMA, PROTOCOL_LIMITS, type ProtocolSchema, type ProtocolLimits } from './schema.ts';
export { FrameDecoder, DEFAULT_MAX_FRAME_BYTES, frame } from './framing.ts';
export { TransportError, MsgTypeError, type TransportErrorCode } from './errors.ts';
export type { Transport, TransportKind, TransportOptions, TransportSink } from './transport.ts';
export { StreamTransport, type StreamTransportOptions } from './stream-transport.ts';
export { Listener } from './listener.ts';
export { listenUds, connectUds, runtimeDir, removeStaleSockets, pidOfSocketName } from './uds.ts';
export { listenTcp, connectTcp } from './tcp.ts';
export { listenTlsPsk, connectTlsPsk, MIN_PSK_BYTES, type PskCredential } from './tls-psk.ts';
export { readPskFile, newPskCredential, formatPskFile, PSK_FILE_ENV } from './psk-file.ts';
export { spawnWithPipes, parentPipeTransport, relayLines, CHILD_READ_FD, CHILD_WRITE_FD, type SpawnWithPipesOptions } from './pipes.ts';
export { PortTransport } from './port.ts';
export { Dialog } from './dialog.ts';
export { Connection, openConnection, type ConnectionOptions, type ConnectionStats } from './connection.ts';
