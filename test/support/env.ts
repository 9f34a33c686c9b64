// The SDK warns on every Node 20 process that future releases need Node 22; that is not a test finding.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Tests talk to the emulator only: never to real AWS with a developer's credentials or profile.
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
