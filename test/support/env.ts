import { setFlagsFromString } from 'node:v8';

// The SDK warns on every Node 20 process that future releases need Node 22; that is not a test finding.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Tests talk to the emulator only: never to real AWS with a developer's credentials or profile.
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

// Global fetch parses responses with undici's llhttp, a WebAssembly module. V8 recompiles its hot functions with
// TurboFan on background threads, and Node waits for those jobs before a process exits (nodejs/node#36616): a jest
// worker that used fetch took 150–500 ms to exit on a busy 2-core machine, past jest's 500 ms grace ("A worker
// process has failed to exit gracefully and has been force exited"). Liftoff's baseline code is fast enough here.
setFlagsFromString('--liftoff-only');
