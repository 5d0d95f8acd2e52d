/**
 * Property and fuzz tests run with a fixed seed by default, so that a CI run is reproducible; set
 * FC_SEED to another number (or FC_SEED=random) to explore. A failure prints its seed and path.
 */
import fc from 'fast-check';

const env = process.env.FC_SEED;
if (env !== 'random') fc.configureGlobal({ seed: env === undefined ? 20261123 : Number(env) });
