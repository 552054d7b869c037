// `initialize` (docs/wire-protocol.md §1.5, §2.2).

import Type from 'typebox';
import { JsonValue, OptionalNullable } from './common.ts';

export const ClientInfo = Type.Object({
  name: Type.String({ description: 'Must be a valid HTTP header value; recorded as the thread originator.' }),
  title: OptionalNullable(Type.String()),
  version: Type.String(),
}, { description: 'Who the client is.' });
export type ClientInfo = Type.Static<typeof ClientInfo>;

export const InitializeCapabilities = Type.Object({
  experimentalApi: OptionalNullable(Type.Boolean({ description: 'Opt in to experimental methods and fields.' })),
  optOutNotificationMethods: OptionalNullable(Type.Array(Type.String(), {
    description: 'Exact notification method names this connection does not want.',
  })),
  requestAttestation: OptionalNullable(Type.Boolean()),
  requiredHumanApproval: OptionalNullable(Type.Boolean()),
  explicitGatewayOauth: OptionalNullable(Type.Boolean()),
  mcpServerOpenaiFormElicitation: OptionalNullable(Type.Boolean()),
  extensions: OptionalNullable(Type.Record(Type.String(), JsonValue)),
}, { description: 'Connection capabilities, fixed for the connection\'s lifetime.' });
export type InitializeCapabilities = Type.Static<typeof InitializeCapabilities>;

export const InitializeParams = Type.Object({
  clientInfo: ClientInfo,
  capabilities: OptionalNullable(InitializeCapabilities),
}, { description: 'Params of `initialize`.' });
export type InitializeParams = Type.Static<typeof InitializeParams>;

export const InitializeResponse = Type.Object({
  userAgent: Type.String(),
  codexHome: Type.String({ description: 'Absolute CODEX_HOME.' }),
  platformFamily: Type.String({ description: '`unix` or `windows`.' }),
  platformOs: Type.String({ description: '`linux`, `macos` or `windows`.' }),
}, { description: 'Result of `initialize`.' });
export type InitializeResponse = Type.Static<typeof InitializeResponse>;
