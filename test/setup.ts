// Loaded by mocha before the tests: in-process code logs warnings and errors only, so the test
// report stays readable (spawned servers get THREADSTATE_LOG=warn from the harness).
import { parseLevel, setStderrLevel } from '../src/logs/logger.ts';

setStderrLevel(parseLevel(process.env.THREADSTATE_LOG ?? '') ?? 'WARN');
