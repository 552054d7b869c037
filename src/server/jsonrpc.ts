// vscode-jsonrpc's protocol layer with its Node runtime installed, without the `vscode-jsonrpc/node`
// entry: that entry also loads node:crypto and node:net at start-up (for pipe and socket transports
// this server never uses), several milliseconds of every restart. The connection, the message
// types and the errors are the same objects `vscode-jsonrpc/node` re-exports.

import nodeRuntime from 'vscode-jsonrpc/lib/node/ril.js';
import rpc from 'vscode-jsonrpc/lib/common/api.js';

nodeRuntime.default.install();

export default rpc;
export type * from 'vscode-jsonrpc/lib/common/api.js';
