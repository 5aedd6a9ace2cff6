/** Runs in every test file (vitest setupFiles): the temp dirs a file made are removed after it. */
import { afterAll } from 'vitest';
import { removeTempDirs } from './index.js';

afterAll(() => {
  const left = removeTempDirs();
  if (left.length && process.env.SWARMFILE_KEEP_TEMP !== '1') console.warn(`temp dirs left behind (busy or mounted): ${left.join(', ')}`);
});
