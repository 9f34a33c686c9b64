#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx registers a loader, so no build step is needed after `npm ci`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../harness/cli/main.ts').main(process.argv.slice(2));
