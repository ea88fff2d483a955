#!/usr/bin/env node
// The `crier` command. Crier runs its TypeScript sources through tsx, so a fresh clone needs
// no build step: `npm install && npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
