#!/usr/bin/env node
// The package's `aspay` bin (`npx aspay …` in a clone): the CLI is TypeScript, so tsx's loader is registered
// first, as `npm run aspay` does with `tsx cli/aspay.ts`. npm exec puts the project's node_modules/.bin first
// on PATH, so `node` here is the project's pinned Node.
import { register } from 'tsx/esm/api';

register();
await import('./aspay.ts');
