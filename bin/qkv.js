#!/usr/bin/env node
'use strict';
// `qkv`, the quorum-kv command line (package.json "bin"; run it as `npx qkv`, `npm run qkv --` or `node bin/qkv.js`).
// It is TypeScript (cli/), run through tsx's CommonJS loader, a devDependency `npm ci` installs: no build step, and
// the same source the tests import.
require('tsx/cjs/api').register();
require('../cli/main.ts');
