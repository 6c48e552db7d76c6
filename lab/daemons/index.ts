// The lab's public API: start and stop real daemons on loopback for tests, demos and fault labs.
export { assertLabNetAddress, assertLoopback } from './assert-loopback.js';
export { birdConfig, type BirdConfigOptions, type BirdNeighbor, type BirdPlacement } from './bird-config.js';
export { startBird, type Bird, type BirdOptions, type BirdProtocolState } from './bird.js';
export { startBackend, type Backend, type BackendOptions } from './backends.js';
export { cleanupAll, registerCleanup, type Cleanup } from './cleanup-registry.js';
export { exabgpConfig, type ExabgpConfigOptions, type ExabgpNeighbor, type ExabgpProcess } from './exabgp-config.js';
export { startExabgp, type Exabgp, type ExabgpOptions } from './exabgp.js';
export { freePort } from './free-port.js';
export { openLab, type Lab, type LabOptions } from './open-lab.js';
export { parseBirdRouteEvents, parseBirdRoutes, type BirdRoute, type BirdRouteEvent } from './parse-bird-routes.js';
export { sessionMembers, signalSession } from './session-members.js';
export { spawnSupervised, type ExitInfo, type SpawnOptions, type StopOptions, type SupervisedProcess } from './spawn-supervised.js';
export { assertSteady, waitFor, type SteadyOptions, type WaitOptions } from './wait-for.js';
