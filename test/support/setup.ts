/** Runs in every test file (vitest setupFiles): the temp dirs and PostgreSQL schemas a file made are removed after it. */
import { afterAll } from 'vitest';
import { dropSchemas } from './backends.js';
import { removeTempDirs } from './index.js';

afterAll(async () => {
  await dropSchemas();
  const left = removeTempDirs();
  if (left.length && process.env.SWARMFILE_KEEP_TEMP !== '1') console.warn(`temp dirs left behind (busy or mounted): ${left.join(', ')}`);
});
