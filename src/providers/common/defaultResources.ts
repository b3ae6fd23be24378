/**
 * What an instance gets when nothing says otherwise (a container whose limits
 * and spec label were both removed outside Code Swarm). The same figures as the
 * CLI's and the settings' defaults, so a recreated instance is not smaller.
 */
export const DEFAULT_CPUS = 2;
export const DEFAULT_MEMORY_BYTES = 2 * 1024 ** 3;
