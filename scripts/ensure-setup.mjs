#!/usr/bin/env node
// First step of `npm test` and `npm run demo` on a fresh Debian/Ubuntu machine: the Debian
// packages the tests and the demo start (installed when we are root), then node_modules.
// Uses only Node built-ins, because it runs before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`Node.js 20 or later is needed (this is ${process.versions.node})`);
  process.exit(1);
}

// shellcheck and cloud-init check the generated install.sh, azure.sh and cloud-init.yaml; nftables
// makes the lab's blackhole fault; curl is what ExaBGP's healthcheck runs in bench:cpu.
const packages = ['haproxy', 'exabgp', 'bird2', 'socat', 'iproute2', 'nftables', 'shellcheck', 'cloud-init', 'curl'];
const installed = (name) => spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).stdout?.includes('install ok installed');
const missing = packages.filter((name) => !installed(name));

if (missing.length > 0) {
  if (process.getuid?.() !== 0) {
    console.error(`Missing Debian packages: ${missing.join(' ')}\nInstall them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.error(`Installing missing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.error('Installing node modules (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
