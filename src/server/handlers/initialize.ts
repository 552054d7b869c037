// `initialize`: fixes the connection's capabilities and answers who we are.

import { arch, platform, release, type } from 'node:os';
import { invalidInput } from '../../errors.ts';
import { VERSION } from '../../version.ts';
import type { Handler } from './types.ts';

// RFC 9110 field-value characters: visible ASCII, space and tab (no control characters).
const HEADER_VALUE_RE = /^[\t\x20-\x7e]*$/;

function osName(): string {
  switch (platform()) {
    case 'darwin': return 'macos';
    case 'win32': return 'windows';
    default: return platform();
  }
}

export const initialize: Handler<'initialize'> = (params, ctx) => {
  const { clientInfo, capabilities } = params;
  if (!HEADER_VALUE_RE.test(clientInfo.name)) {
    throw invalidInput(`Invalid clientInfo.name: '${clientInfo.name}'. Must be a valid HTTP header value.`);
  }
  const session = ctx.session;
  session.initialized = true;
  session.clientInfo = { name: clientInfo.name, title: clientInfo.title ?? null, version: clientInfo.version };
  session.experimentalApi = capabilities?.experimentalApi === true;
  session.optOutNotificationMethods = new Set(capabilities?.optOutNotificationMethods ?? []);
  const terminal = process.env.TERM_PROGRAM ?? process.env.TERM ?? 'unknown';
  return {
    userAgent: `${clientInfo.name}/${VERSION} (${type()} ${release()}; ${arch()}) ${terminal} (${clientInfo.name}; ${clientInfo.version})`,
    codexHome: ctx.services.codexHome,
    platformFamily: platform() === 'win32' ? 'windows' : 'unix',
    platformOs: osName(),
  };
};
