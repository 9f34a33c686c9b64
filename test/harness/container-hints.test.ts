import os from 'node:os';
import path from 'node:path';
import { containerRuntimeHints } from '../../harness/backends/detect';

const nothing = () => false;

describe('containerRuntimeHints (whether testcontainers has anything to ask)', () => {
  it('finds nothing on a machine without DOCKER_HOST, properties file or socket, and says where it looked', () => {
    const hints = containerRuntimeHints({}, 'linux', nothing);
    expect(hints.found).toBe(false);
    expect(hints.looked).toEqual(expect.arrayContaining(['DOCKER_HOST unset', '/var/run/docker.sock missing', '/run/podman/podman.sock missing']));
    expect(hints.looked).toContain(`no ${path.join(os.homedir(), '.testcontainers.properties')}`);
  });

  it('asks when DOCKER_HOST is set, on Windows, or when a properties file or any known socket exists', () => {
    expect(containerRuntimeHints({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, 'linux', nothing).found).toBe(true);
    expect(containerRuntimeHints({}, 'win32', nothing).found).toBe(true);
    const only = (file: string) => (p: string) => p === file;
    expect(containerRuntimeHints({}, 'linux', only(path.join(os.homedir(), '.testcontainers.properties'))).found).toBe(true);
    expect(containerRuntimeHints({}, 'linux', only('/var/run/docker.sock')).found).toBe(true);
    expect(containerRuntimeHints({}, 'linux', only(path.join(os.homedir(), '.docker', 'desktop', 'docker.sock'))).found).toBe(true);
    expect(containerRuntimeHints({ XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux', only('/run/user/1000/podman/podman.sock')).found).toBe(true);
    const uid = process.getuid?.();
    if (uid !== undefined) expect(containerRuntimeHints({}, 'linux', only(`/run/user/${uid}/docker.sock`)).found).toBe(true);
  });
});
