#!/usr/bin/env node
// Runs the built CLI (npm run build writes dist/); the name it is run by picks zfs or zpool.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
